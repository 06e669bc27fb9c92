package dev.jcri.common;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.ptr.IntByReference;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A started helper. Its exit is collected by a reaper thread, so waiting never pins a virtual thread. Each
 * pipe asked for is taken once, as a stream (blocking reads, fine on virtual threads) or as an {@link Fd}
 * (reads a close from another thread ends, for readers that must not outlive the helper).
 */
public final class HelperProcess {

  private static final int P_PID = 1;
  private static final int WEXITED = 4;
  private static final int WNOWAIT = 0x01000000;
  private static final int SIGINFO_SIZE = 256;

  private final int pid;
  private final String program;
  private final int[] pipes;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private boolean reaped;

  HelperProcess(int pid, String program, int[] pipes) {
    this.pid = pid;
    this.program = program;
    this.pipes = pipes.clone();
  }

  public int pid() {
    return pid;
  }

  private synchronized int take(int stdio) {
    int fd = pipes[stdio];
    if (fd < 0) {
      throw new IllegalStateException((stdio == 0 ? "stdin" : stdio == 1 ? "stdout" : "stderr") + " of " + program
          + " is not a pipe, or is taken already");
    }
    pipes[stdio] = -1;
    return fd;
  }

  private interface Opener<T> {
    T open(String path) throws IOException;
  }

  /** A stream of jcri's own over the pipe: a fresh descriptor for it, opened through /proc. */
  private <T> T reopened(int stdio, Opener<T> opener) throws IOException {
    int fd = take(stdio);
    try {
      return opener.open("/proc/self/fd/" + fd);
    } finally {
      Spawn.closeQuietly(fd);
    }
  }

  public OutputStream stdin() throws IOException {
    return reopened(0, FileOutputStream::new);
  }

  public InputStream stdout() throws IOException {
    return reopened(1, FileInputStream::new);
  }

  public InputStream stderr() throws IOException {
    return reopened(2, FileInputStream::new);
  }

  public Fd stdinFd() {
    return new Fd(take(0));
  }

  public Fd stdoutFd() {
    return new Fd(take(1));
  }

  public Fd stderrFd() {
    return new Fd(take(2));
  }

  /** Closes the pipes nobody took. */
  public synchronized void closePipes() {
    for (int i = 0; i < 3; i++) {
      if (pipes[i] >= 0) {
        Spawn.closeQuietly(pipes[i]);
        pipes[i] = -1;
      }
    }
  }

  public CompletableFuture<Integer> onExit() {
    return exit;
  }

  public boolean isAlive() {
    return !exit.isDone();
  }

  /** The exit code; 128 + the signal's number when a signal ended it. */
  public int waitFor() throws InterruptedException {
    try {
      return exit.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("reaping " + program + " (pid " + pid + ")", e.getCause());
    }
  }

  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    try {
      exit.get(timeout, unit);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("reaping " + program + " (pid " + pid + ")", e.getCause());
    }
  }

  public int exitValue() {
    if (!exit.isDone()) {
      throw new IllegalStateException(program + " (pid " + pid + ") has not exited");
    }
    return exit.join();
  }

  /** Sends {@code signal} unless the child is already reaped (its pid may then belong to another). */
  public synchronized void signal(int signal) {
    if (!reaped) {
      try {
        Libc.INSTANCE.kill(pid, signal);
      } catch (LastErrorException ignored) {
        // exited, not yet reaped
      }
    }
  }

  public void kill() {
    signal(9);
  }

  /** Waits without reaping (the pid stays this child's), then reaps under the lock {@link #signal} takes. */
  void reap() {
    Memory info = new Memory(SIGINFO_SIZE);
    while (true) {
      try {
        Posix.waitid(P_PID, pid, info, WEXITED | WNOWAIT);
        break;
      } catch (LastErrorException e) {
        if (e.getErrorCode() != Libc.EINTR) {
          exit.completeExceptionally(new IOException("waitid " + pid + ": " + Libc.describe(e)));
          return;
        }
      }
    }
    int status;
    synchronized (this) {
      IntByReference st = new IntByReference();
      try {
        Posix.waitpid(pid, st, 0);
      } catch (LastErrorException e) {
        exit.completeExceptionally(new IOException("waitpid " + pid + ": " + Libc.describe(e)));
        return;
      } finally {
        reaped = true;
        Spawn.LIVE.remove(pid);
      }
      status = st.getValue();
    }
    exit.complete((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f));
  }
}
