package dev.jcri.sandbox.cgroup.systemd;

import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.UnavailableException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.logging.Logger;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.exceptions.DBusExecutionException;
import org.freedesktop.dbus.errors.ServiceUnknown;
import org.freedesktop.dbus.exceptions.NotConnected;
import org.freedesktop.dbus.interfaces.Properties;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.UInt64;
import org.freedesktop.dbus.types.Variant;
import org.freedesktop.systemd1.NoSuchJob;
import org.freedesktop.systemd1.NoSuchUnit;

/**
 * systemd's manager over the system bus, as kubelet, containerd, CRI-O and the OCI runtimes reach it. Each job is
 * waited for through its JobRemoved signal: a future per job path, made by whichever of the caller and the
 * signal comes first, so a job that ends before its start call returns is not missed.
 *
 * <p>The bus can go away under a running node (dbus restarted by an upgrade, systemd re-executed): a call that
 * finds the connection lost connects again, subscribes again and is made once more, as runc does; a job whose
 * signal went with the old connection is found ended by asking systemd for it every second, its result read off
 * the unit's state.
 */
public final class DbusSystemdUnits implements SystemdUnits {

  private static final Logger LOG = Logger.getLogger(DbusSystemdUnits.class.getName());
  static final String SYSTEMD = "org.freedesktop.systemd1";
  private static final String JOB_PREFIX = "/org/freedesktop/systemd1/job/";
  private static final long JOB_TIMEOUT_MILLIS = 30_000;
  private static final long JOB_CHECK_MILLIS = 1_000;
  static final long OFF_BUS_MILLIS = 10_000;
  private static final long OFF_BUS_RETRY_MILLIS = 100;

  /** One connection to the bus, systemd's job signals subscribed on it. */
  interface Session {
    SystemdManager manager();

    /** The unit's ActiveState ("inactive" for a unit systemd does not have loaded). */
    String activeState(String unit);

    boolean connected();

    void close();
  }

  /** Opens a session whose JobRemoved signals go to {@code jobRemoved} (job path, result). */
  interface Connector {
    Session open(BiConsumer<String, String> jobRemoved);
  }

  private final Connector connector;
  private final long jobCheckMillis;
  private final long jobTimeoutMillis;
  private final Map<String, CompletableFuture<String>> jobs = new ConcurrentHashMap<>();
  private Session session; // guarded by this
  private boolean closed; // guarded by this
  private boolean connectedOnce; // guarded by this

  DbusSystemdUnits(Connector connector, long jobCheckMillis, long jobTimeoutMillis) {
    this.connector = connector;
    this.jobCheckMillis = jobCheckMillis;
    this.jobTimeoutMillis = jobTimeoutMillis;
  }

  /** Connects to the system bus and subscribes to systemd's job signals. */
  public static DbusSystemdUnits connect() {
    DbusSystemdUnits units = new DbusSystemdUnits(SystemBusSession::open, JOB_CHECK_MILLIS, JOB_TIMEOUT_MILLIS);
    units.start();
    return units;
  }

  /** Opens the first session: a node whose systemd cannot be reached fails here, when jcri starts. */
  void start() {
    session();
  }

  private synchronized Session session() {
    if (closed) {
      throw new UnavailableException("the systemd cgroup driver is closed (jcri is stopping)");
    }
    if (session != null && session.connected()) {
      return session;
    }
    if (session != null) {
      lost(session);
    }
    try {
      session = connector.open(this::jobRemoved);
    } catch (FailedPreconditionException e) {
      if (!connectedOnce) {
        throw e;
      }
      // systemd was there and went away (dbus restarting): worth another try later, not a node misconfigured
      throw new UnavailableException("the connection to systemd was lost and connecting again failed: "
          + e.getMessage(), e);
    }
    connectedOnce = true;
    return session;
  }

  private synchronized void lost(Session lost) {
    if (session == lost) {
      LOG.warning("the connection to the system bus was lost; connecting to systemd again");
      lost.close();
      session = null;
    }
  }

  private void jobRemoved(String job, String result) {
    jobs.computeIfAbsent(job, k -> new CompletableFuture<>()).complete(result);
  }

  @Override
  public void startSlice(String name, List<UnitProperty> properties) {
    DBusPath job = call("starting " + name, m -> m.startTransientUnit(name, "replace", wire(properties), List.of()));
    String result = await(job, name, true, "starting " + name);
    if (!result.equals("done")) {
      // A unit whose start failed stays loaded (failed): nothing of a refused pod may stay behind.
      stop(name);
      throw new FailedPreconditionException("systemd's job starting " + name + " ended " + result);
    }
  }

  @Override
  public void setProperties(String unit, List<UnitProperty> properties) {
    call("setting " + properties + " on " + unit, m -> {
      m.setUnitProperties(unit, true, wire(properties));
      return null;
    });
  }

  @Override
  public void stop(String unit) {
    DBusPath job = call("stopping " + unit, m -> {
      try {
        return m.stopUnit(unit, "replace");
      } catch (DBusExecutionException e) {
        if (e instanceof NoSuchUnit) {
          return null;
        }
        throw e;
      }
    });
    if (job == null) {
      return;
    }
    await(job, unit, false, "stopping " + unit);
    try {
      call("resetting " + unit, m -> {
        m.resetFailedUnit(unit);
        return null;
      });
    } catch (FailedPreconditionException notFailed) {
      // the usual case: a unit that stopped cleanly is not in the failed state
    }
  }

  /**
   * Makes the call; when the connection turns out lost, connects again and makes it once more; while systemd is
   * off the bus (re-executing itself) it is tried again for up to {@value #OFF_BUS_MILLIS} ms.
   */
  private <T> T call(String what, Function<SystemdManager, T> call) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(OFF_BUS_MILLIS);
    boolean reconnected = false;
    while (true) {
      Session s = session();
      try {
        return call.apply(s.manager());
      } catch (DBusExecutionException e) {
        if (!reconnected && isLost(s, e)) {
          lost(s);
          reconnected = true;
        } else if (e instanceof ServiceUnknown && System.nanoTime() - deadline < 0) {
          pause();
        } else {
          throw new FailedPreconditionException(what + " through systemd failed: " + e.getMessage(), e);
        }
      }
    }
  }

  private static void pause() {
    try {
      Thread.sleep(OFF_BUS_RETRY_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while waiting for systemd to come back on the bus", e);
    }
  }

  static boolean isLost(Session session, DBusExecutionException e) {
    return e instanceof NotConnected || !session.connected();
  }

  private String await(DBusPath job, String unit, boolean starting, String what) {
    CompletableFuture<String> done = jobs.computeIfAbsent(job.getPath(), k -> new CompletableFuture<>());
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(jobTimeoutMillis);
    try {
      while (true) {
        try {
          return done.get(jobCheckMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          String result = endedWithoutSignal(job, unit, starting);
          if (result != null) {
            return result;
          }
          if (System.nanoTime() - deadline > 0) {
            throw new UnavailableException("systemd did not finish " + what + " in " + jobTimeoutMillis / 1000
                + " s", e);
          }
        }
      }
    } catch (ExecutionException e) {
      throw new FailedPreconditionException(what + ": " + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while " + what, e);
    } finally {
      jobs.remove(job.getPath());
    }
  }

  /**
   * Null while systemd still has the job; once it has not, the job's result as the unit's state tells it (its
   * signal was lost with a connection that dropped meanwhile).
   */
  private String endedWithoutSignal(DBusPath job, String unit, boolean starting) {
    Session s;
    try {
      s = session();
    } catch (RuntimeException e) {
      return null; // no bus yet: ask again at the next check
    }
    try {
      s.manager().getJob(new UInt32(jobId(job)));
      return null;
    } catch (DBusExecutionException e) {
      if (!(e instanceof NoSuchJob)) {
        if (isLost(s, e)) {
          lost(s);
        }
        return null;
      }
    }
    String state;
    try {
      state = s.activeState(unit);
    } catch (DBusExecutionException e) {
      return null;
    }
    boolean reached = starting ? state.equals("active") : !state.equals("active") && !state.equals("deactivating");
    LOG.info(() -> "systemd's job " + job.getPath() + " for " + unit + " ended without its signal reaching jcri;"
        + " the unit is " + state);
    return reached ? "done" : "failed";
  }

  static long jobId(DBusPath job) {
    String path = job.getPath();
    if (!path.startsWith(JOB_PREFIX)) {
      throw new FailedPreconditionException("systemd answered a job path jcri does not know: " + path);
    }
    return Long.parseLong(path.substring(JOB_PREFIX.length()));
  }

  static List<SystemdManager.Property> wire(List<UnitProperty> properties) {
    return properties.stream().map(p -> new SystemdManager.Property(p.name(), variant(p.value()))).toList();
  }

  private static Variant<?> variant(Object value) {
    return switch (value) {
      case Long l -> new Variant<>(new UInt64(l));
      case byte[] b -> new Variant<>(b, "ay");
      default -> new Variant<>(value);
    };
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (session != null) {
      session.close();
      session = null;
    }
  }

  /** The system bus through dbus-java's native unix socket transport. */
  private static final class SystemBusSession implements Session {
    private final DBusConnection connection;
    private final SystemdManager manager;

    private SystemBusSession(DBusConnection connection, SystemdManager manager) {
      this.connection = connection;
      this.manager = manager;
    }

    static Session open(BiConsumer<String, String> jobRemoved) {
      DBusConnection connection;
      try {
        connection = DBusConnectionBuilder.forSystemBus().withShared(false).build();
      } catch (DBusException | RuntimeException e) {
        throw new FailedPreconditionException("the systemd cgroup driver cannot reach systemd on the system bus"
            + " (/run/dbus/system_bus_socket): " + e.getMessage() + "; is dbus running, and systemd the node's"
            + " init?", e);
      }
      try {
        SystemdManager manager = connection.getRemoteObject(SYSTEMD, "/org/freedesktop/systemd1",
            SystemdManager.class);
        connection.addSigHandler(SystemdManager.JobRemoved.class,
            signal -> jobRemoved.accept(signal.job.getPath(), signal.result));
        manager.subscribe();
        return new SystemBusSession(connection, manager);
      } catch (DBusException | RuntimeException e) {
        closeQuietly(connection);
        throw new FailedPreconditionException("subscribing to systemd's signals failed: " + e.getMessage(), e);
      }
    }

    @Override
    public SystemdManager manager() {
      return manager;
    }

    @Override
    public String activeState(String unit) {
      DBusPath path;
      try {
        path = manager.getUnit(unit);
      } catch (DBusExecutionException e) {
        if (e instanceof NoSuchUnit) {
          return "inactive";
        }
        throw e;
      }
      try {
        Properties properties = connection.getRemoteObject(SYSTEMD, path.getPath(), Properties.class);
        Object state = properties.Get("org.freedesktop.systemd1.Unit", "ActiveState");
        return String.valueOf(state);
      } catch (DBusException e) {
        throw new DBusExecutionException("reading ActiveState of " + unit + ": " + e.getMessage(), e);
      }
    }

    @Override
    public boolean connected() {
      return connection.isConnected();
    }

    @Override
    public void close() {
      closeQuietly(connection);
    }

    private static void closeQuietly(DBusConnection connection) {
      try {
        connection.close();
      } catch (IOException | RuntimeException e) {
        // closing on the way out
      }
    }
  }
}
