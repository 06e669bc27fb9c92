package dev.jcri.common;

import com.sun.jna.LastErrorException;
import com.sun.jna.ptr.IntByReference;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * jcri as the child subreaper of what its helpers leave behind, as containerd's shims are: a pod's infra
 * (catatonit, which {@code crun run --detach} leaves without a parent), daemonised conmons and what a dead
 * conmon's container leaves. Orphans then come to jcri instead of the node's init, which may reap late (or, in
 * a container without an init, never): each is reaped when jcri stops it ({@link #reapExited}) and the rest by a
 * sweep now and then. Children jcri spawned ({@link Spawn}) are left to their own waiters.
 */
public final class ChildReaper implements AutoCloseable {

  private static final Log LOG = Log.of(ChildReaper.class);
  private static final int PR_SET_CHILD_SUBREAPER = 36;
  private static final int WNOHANG = 1;
  private static final int ECHILD = 10;

  private final Duration sweepEvery;
  private ScheduledExecutorService sweeper;

  public ChildReaper(Duration sweepEvery) {
    this.sweepEvery = sweepEvery;
  }

  /** Makes this process a subreaper and sweeps every {@code sweepEvery}. */
  public void start() {
    Libc.INSTANCE.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    sweeper = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("child-reaper").daemon().stackSize(256 * 1024).factory());
    long ms = sweepEvery.toMillis();
    sweeper.scheduleWithFixedDelay(this::sweepQuietly, ms, ms, TimeUnit.MILLISECONDS);
  }

  private void sweepQuietly() {
    try {
      int n = sweep();
      if (n > 0) {
        LOG.debug("reaped orphaned processes", "count", n);
      }
    } catch (RuntimeException e) {
      LOG.warn("sweeping exited children failed", "error", e.toString());
    }
  }

  /** Reaps every exited child that no waiter of jcri's owns; returns how many. */
  int sweep() {
    int n = 0;
    for (int pid : children()) {
      if (isZombie(pid) && reapNow(pid)) {
        n++;
      }
    }
    return n;
  }

  /**
   * Waits up to {@code wait} for {@code pid} to exit and reaps it, when it is an orphan that came to this process;
   * returns at once when it is not this process's child (jcri is no subreaper, or another process reaps it).
   */
  public static void reapExited(int pid, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      if (!isChild(pid) || reapNow(pid) || System.nanoTime() > deadline) {
        return;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** True when {@code pid} was reaped here (or is gone); false when it still runs. */
  private static boolean reapNow(int pid) {
    Spawn.SPAWNING.writeLock().lock();
    try {
      if (Spawn.LIVE.contains(pid)) {
        return false;
      }
      int r = Posix.waitpid(pid, new IntByReference(), WNOHANG);
      return r == pid;
    } catch (LastErrorException e) {
      return e.getErrorCode() == ECHILD;
    } finally {
      Spawn.SPAWNING.writeLock().unlock();
    }
  }

  /** The pids of this process's children: those of each of its threads. */
  static List<Integer> children() {
    List<Integer> out = new ArrayList<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path task : tasks) {
        try {
          for (String p : Files.readString(task.resolve("children")).trim().split("\\s+")) {
            if (!p.isEmpty()) {
              out.add(Integer.parseInt(p));
            }
          }
        } catch (IOException | NumberFormatException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      LOG.warn("listing this process's threads failed", "error", e.toString());
    }
    return out;
  }

  private static boolean isChild(int pid) {
    ProcStat stat = ProcStat.of(pid);
    return stat != null && stat.parent() == ProcessHandle.current().pid();
  }

  private static boolean isZombie(int pid) {
    ProcStat stat = ProcStat.of(pid);
    return stat != null && stat.state() == 'Z';
  }

  @Override
  public void close() {
    if (sweeper != null) {
      sweeper.shutdownNow();
    }
  }
}
