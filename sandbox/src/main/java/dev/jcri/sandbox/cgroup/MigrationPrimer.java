package dev.jcri.sandbox.cgroup;

import dev.jcri.common.Log;
import dev.jcri.sandbox.node.CgroupLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Keeps cgroup v1's task-migration lock ready for writers while containers are being created.
 *
 * <p>On cgroup v1 a write to {@code cgroup.procs} or {@code tasks} takes the kernel's global threadgroup lock for
 * writing, and the first writer after a quiet spell waits for an RCU grace period to pass (6-20 ms here); a
 * writer that comes within about one grace period of the last one does not wait (0.05 ms). The OCI runtime's
 * create moves the container's first process into its cgroups: it paid that wait inside every CreateContainer.
 * While someone holds a {@link Hold}, a thread of jcri's moves itself into the cgroup it is already in (no
 * task changes cgroup) every {@link #PERIOD_NANOS}: the first move pays the wait while jcri mounts the rootfs,
 * writes the spec and starts conmon, and the runtime's move that follows finds the lock ready.
 *
 * <p>On cgroup v2 the runtime starts the process in its cgroup ({@code CLONE_INTO_CGROUP}) and nothing moves:
 * {@link #forHost} gives {@link #NONE} there. A move that fails (a read-only cgroupfs in a container) turns the
 * primer off for good, with one line in the log.
 */
public final class MigrationPrimer {

  private static final Log LOG = Log.of(MigrationPrimer.class);

  /** Well under one grace period (the fast window after a move measured 10 ms; 20 ms was too late). */
  static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(4);

  /** A primer that does nothing (cgroup v2, or no cgroups). */
  public static final MigrationPrimer NONE = new MigrationPrimer(null, "");

  /** One no-op move of the calling thread into the cgroup it is in; the kernel seam. */
  @FunctionalInterface
  public interface Migration {
    void moveSelf() throws IOException;
  }

  /** What a caller holds while a runtime is about to move a process; closing it twice is fine. */
  public interface Hold extends AutoCloseable {
    @Override
    void close();
  }

  private final Migration migration;
  private final String threadName;
  private int holders;
  private boolean running;
  private boolean off;

  /** {@code migration} null: does nothing. */
  public MigrationPrimer(Migration migration, String threadName) {
    this.migration = migration;
    this.threadName = threadName;
    this.off = migration == null;
  }

  /**
   * The primer for this host: on cgroup v1 (hybrid too) it moves its thread within one mounted controller's
   * hierarchy ({@code tasks} of the cgroup the thread is in); elsewhere {@link #NONE}.
   */
  public static MigrationPrimer forHost(CgroupLayout layout) {
    if (layout.mode() != CgroupLayout.Mode.V1 && layout.mode() != CgroupLayout.Mode.HYBRID) {
      return NONE;
    }
    return layout.v1Controllers().entrySet().stream()
        .filter(e -> !e.getKey().startsWith("name="))
        .findFirst()
        .map(e -> new MigrationPrimer(new SelfMove(e.getKey(), e.getValue()), "cgroup-primer"))
        .orElse(NONE);
  }

  /** Primes the lock until the hold is closed; several may hold it at once (one thread primes for all). */
  public Hold hold() {
    synchronized (this) {
      if (off) {
        return () -> {};
      }
      holders++;
      if (!running) {
        running = true;
        Thread.ofPlatform().daemon().name(threadName).start(this::prime);
      }
    }
    boolean[] closed = {false};
    return () -> {
      synchronized (this) {
        if (!closed[0]) {
          closed[0] = true;
          holders--;
        }
      }
    };
  }

  /** The priming thread: a move now, then one every period while anyone holds; ends when no one does. */
  private void prime() {
    while (true) {
      synchronized (this) {
        if (holders == 0 || off) {
          running = false;
          return;
        }
      }
      try {
        migration.moveSelf();
      } catch (IOException | RuntimeException e) {
        synchronized (this) {
          off = true;
          running = false;
        }
        LOG.info("cgroup migrations are not primed (each container's create waits for the kernel's own)",
            "error", e.getMessage());
        return;
      }
      LockSupport.parkNanos(PERIOD_NANOS);
    }
  }

  /** How many hold it now. */
  public synchronized int holders() {
    return holders;
  }

  /** Whether the priming thread runs. */
  synchronized boolean running() {
    return running;
  }

  /** Whether the primer has turned itself off (or was never on). */
  synchronized boolean off() {
    return off;
  }

  /**
   * Writes the calling thread's id to {@code tasks} of the cgroup it is in, in the hierarchy of {@code
   * controller}: the kernel takes the migration lock and moves nothing. The id and the file are looked up once
   * per priming thread (one a burst of creates), not at every move.
   */
  static final class SelfMove implements Migration {

    private final String controller;
    private final Path mount;
    /** The thread that looked up {@link #tid} and {@link #tasks}; only the priming thread moves. */
    private Thread resolvedFor;
    private String tid;
    private Path tasks;

    SelfMove(String controller, Path mount) {
      this.controller = controller;
      this.mount = mount;
    }

    @Override
    public void moveSelf() throws IOException {
      if (resolvedFor != Thread.currentThread()) {
        String self = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
        tid = self.substring(self.lastIndexOf('/') + 1);
        tasks = mount.resolve(CgroupFiles.clean(cgroupOf(Files.readString(Path.of("/proc/thread-self/cgroup")))))
            .resolve("tasks");
        resolvedFor = Thread.currentThread();
      }
      Files.writeString(tasks, tid, StandardCharsets.US_ASCII);
    }

    /** This thread's cgroup in {@code controller}'s hierarchy, from a {@code /proc/<id>/cgroup} text. */
    String cgroupOf(String procCgroup) throws IOException {
      for (String line : procCgroup.split("\n")) {
        String[] f = line.split(":", 3);
        if (f.length == 3 && java.util.Arrays.asList(f[1].split(",")).contains(controller)) {
          return f[2];
        }
      }
      throw new IOException("no " + controller + " line in /proc/thread-self/cgroup");
    }
  }
}
