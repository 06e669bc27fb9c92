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
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.exceptions.DBusExecutionException;
import org.freedesktop.dbus.types.UInt64;
import org.freedesktop.dbus.types.Variant;

/**
 * systemd's manager over the system bus, as kubelet, containerd, CRI-O and the OCI runtimes reach it. Each job is
 * waited for through its JobRemoved signal: a future per job path, made by whichever of the caller and the
 * signal comes first, so a job that ends before its start call returns is not missed.
 */
public final class DbusSystemdUnits implements SystemdUnits {

  private static final String SYSTEMD = "org.freedesktop.systemd1";
  private static final long JOB_TIMEOUT_SECONDS = 30;

  private final DBusConnection connection;
  private final SystemdManager manager;
  private final Map<String, CompletableFuture<String>> jobs = new ConcurrentHashMap<>();

  private DbusSystemdUnits(DBusConnection connection, SystemdManager manager) {
    this.connection = connection;
    this.manager = manager;
  }

  /** Connects to the system bus and subscribes to systemd's job signals. */
  public static DbusSystemdUnits connect() {
    DBusConnection connection;
    try {
      connection = DBusConnectionBuilder.forSystemBus().withShared(false).build();
    } catch (DBusException | RuntimeException e) {
      throw new FailedPreconditionException("the systemd cgroup driver cannot reach systemd on the system bus"
          + " (/run/dbus/system_bus_socket): " + e.getMessage() + "; is dbus running, and systemd the node's init?",
          e);
    }
    try {
      SystemdManager manager = connection.getRemoteObject(SYSTEMD, "/org/freedesktop/systemd1", SystemdManager.class);
      DbusSystemdUnits units = new DbusSystemdUnits(connection, manager);
      connection.addSigHandler(SystemdManager.JobRemoved.class, units::jobRemoved);
      manager.subscribe();
      return units;
    } catch (DBusException | RuntimeException e) {
      closeQuietly(connection);
      throw new FailedPreconditionException("subscribing to systemd's signals failed: " + e.getMessage(), e);
    }
  }

  private void jobRemoved(SystemdManager.JobRemoved signal) {
    jobs.computeIfAbsent(signal.job.getPath(), k -> new CompletableFuture<>()).complete(signal.result);
  }

  @Override
  public void startSlice(String name, List<UnitProperty> properties) {
    DBusPath job = call("starting " + name, () -> manager.startTransientUnit(name, "replace", wire(properties),
        List.of()));
    String result = await(job, "starting " + name);
    if (!result.equals("done")) {
      // A unit whose start failed stays loaded (failed): nothing of a refused pod may stay behind.
      stop(name);
      throw new FailedPreconditionException("systemd's job starting " + name + " ended " + result);
    }
  }

  @Override
  public void setProperties(String unit, List<UnitProperty> properties) {
    call("setting " + properties + " on " + unit, () -> {
      manager.setUnitProperties(unit, true, wire(properties));
      return null;
    });
  }

  @Override
  @SuppressWarnings("removal") // getType: dbus-java 5 has no other way to the D-Bus error name
  public void stop(String unit) {
    DBusPath job;
    try {
      job = manager.stopUnit(unit, "replace");
    } catch (DBusExecutionException e) {
      if (String.valueOf(e.getType()).endsWith(".NoSuchUnit")) {
        return;
      }
      throw new FailedPreconditionException("stopping " + unit + " through systemd failed: " + e.getMessage(), e);
    }
    await(job, "stopping " + unit);
    try {
      manager.resetFailedUnit(unit);
    } catch (DBusExecutionException notFailed) {
      // the usual case: a unit that stopped cleanly is not in the failed state
    }
  }

  private interface Call<T> {
    T run();
  }

  private static <T> T call(String what, Call<T> call) {
    try {
      return call.run();
    } catch (DBusExecutionException e) {
      throw new FailedPreconditionException(what + " through systemd failed: " + e.getMessage(), e);
    }
  }

  private String await(DBusPath job, String what) {
    CompletableFuture<String> done = jobs.computeIfAbsent(job.getPath(), k -> new CompletableFuture<>());
    try {
      return done.get(JOB_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new UnavailableException("systemd did not finish " + what + " in " + JOB_TIMEOUT_SECONDS + " s", e);
    } catch (ExecutionException e) {
      throw new FailedPreconditionException(what + ": " + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while " + what, e);
    } finally {
      jobs.remove(job.getPath());
    }
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
