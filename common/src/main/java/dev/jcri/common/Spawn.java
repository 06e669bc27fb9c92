package dev.jcri.common;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts a helper program (the OCI runtime, conmon, a CNI plugin) with glibc's posix_spawn, which clones
 * without copying the JVM's memory and execs the program directly. {@link ProcessBuilder} execs a launcher
 * first, which execs the program: one exec more per helper, ~3 ms each on a small node, and a pod's start
 * runs several helpers. The child gets exactly the descriptors asked for (stdio and any {@link #fd}); every
 * other one is closed, signal dispositions and the mask are reset.
 */
public final class Spawn {

  /** What a standard stream of the child is connected to. */
  private sealed interface Io {}

  private record Null() implements Io {}

  private record Pipe() implements Io {}

  private record ToFile(Path file) implements Io {}

  private record ToStdout() implements Io {}

  private final List<String> argv;
  private final Map<String, String> env = new LinkedHashMap<>(System.getenv());
  private final Map<Integer, Integer> extraFds = new TreeMap<>();
  private Path dir;
  private Io stdin = new Null();
  private Io stdout = new Null();
  private Io stderr = new Null();

  private Spawn(List<String> argv) {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("no program to spawn");
    }
    this.argv = List.copyOf(argv);
  }

  /** The program (an absolute path, or a name looked up in PATH) and its arguments. */
  public static Spawn of(List<String> argv) {
    return new Spawn(argv);
  }

  public static Spawn of(String... argv) {
    return new Spawn(List.of(argv));
  }

  /** Sets one variable over the environment jcri was started with. */
  public Spawn env(String name, String value) {
    env.put(name, value);
    return this;
  }

  public Spawn dir(Path directory) {
    this.dir = directory;
    return this;
  }

  public Spawn stdinPipe() {
    stdin = new Pipe();
    return this;
  }

  public Spawn stdoutPipe() {
    stdout = new Pipe();
    return this;
  }

  /** stdout into {@code file}, created or truncated. */
  public Spawn stdoutTo(Path file) {
    stdout = new ToFile(file);
    return this;
  }

  public Spawn stderrPipe() {
    stderr = new Pipe();
    return this;
  }

  /** stderr into {@code file}, created or truncated. */
  public Spawn stderrTo(Path file) {
    stderr = new ToFile(file);
    return this;
  }

  /** stderr to wherever stdout goes. */
  public Spawn stderrToStdout() {
    stderr = new ToStdout();
    return this;
  }

  /** The child gets jcri's descriptor {@code source} as its descriptor {@code target} (3 or more). */
  public Spawn fd(int target, int source) {
    if (target < 3) {
      throw new IllegalArgumentException("descriptors 0-2 are set through the stdio methods");
    }
    extraFds.put(target, source);
    return this;
  }

  /** Starts the program; the returned child must be waited for (it is reaped then). */
  public Child start() throws IOException {
    C c = C.INSTANCE;
    List<Integer> parentEnds = new ArrayList<>();
    List<Integer> childEnds = new ArrayList<>();
    Memory actions = new Memory(FILE_ACTIONS_SIZE);
    Memory attr = new Memory(SPAWNATTR_SIZE);
    Memory sigs = new Memory(SIGSET_SIZE);
    int[] parent = {-1, -1, -1};
    check(c.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
    try {
      check(c.posix_spawnattr_init(attr), "posix_spawnattr_init");
      try {
        c.sigemptyset(sigs);
        check(c.posix_spawnattr_setsigmask(attr, sigs), "posix_spawnattr_setsigmask");
        c.sigfillset(sigs);
        check(c.posix_spawnattr_setsigdefault(attr, sigs), "posix_spawnattr_setsigdefault");
        check(c.posix_spawnattr_setflags(attr, (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)),
            "posix_spawnattr_setflags");
        Io[] stdio = {stdin, stdout, stderr};
        for (int fd = 0; fd < 3; fd++) {
          switch (stdio[fd]) {
            case Null n -> check(c.posix_spawn_file_actions_addopen(actions, fd, "/dev/null",
                fd == 0 ? O_RDONLY : O_WRONLY, 0), "addopen /dev/null");
            case ToFile f -> check(c.posix_spawn_file_actions_addopen(actions, fd, f.file().toString(),
                O_WRONLY | O_CREAT | O_TRUNC, 0600), "addopen " + f.file());
            case ToStdout s -> check(c.posix_spawn_file_actions_adddup2(actions, 1, fd), "adddup2");
            case Pipe p -> {
              int[] ends = new int[2];
              pipe(ends);
              int childEnd = fd == 0 ? ends[0] : ends[1];
              parent[fd] = fd == 0 ? ends[1] : ends[0];
              parentEnds.add(parent[fd]);
              childEnds.add(childEnd);
              check(c.posix_spawn_file_actions_adddup2(actions, childEnd, fd), "adddup2");
            }
          }
        }
        int lowestFree = 3;
        for (var e : extraFds.entrySet()) {
          check(c.posix_spawn_file_actions_adddup2(actions, e.getValue(), e.getKey()), "adddup2");
          lowestFree = Math.max(lowestFree, e.getKey() + 1);
        }
        for (int fd = 3; fd < lowestFree; fd++) {
          if (!extraFds.containsKey(fd)) {
            check(c.posix_spawn_file_actions_addclose(actions, fd), "addclose");
          }
        }
        if (dir != null) {
          check(c.posix_spawn_file_actions_addchdir_np(actions, dir.toString()), "addchdir " + dir);
        }
        if (HAS_CLOSEFROM) {
          check(c.posix_spawn_file_actions_addclosefrom_np(actions, lowestFree), "addclosefrom");
        } else {
          // glibc before 2.34: close what is open now (a descriptor opened meanwhile by another thread may slip
          // through; most of jcri's are close-on-exec anyway).
          for (int fd : openDescriptors()) {
            if (fd >= lowestFree) {
              check(c.posix_spawn_file_actions_addclose(actions, fd), "addclose");
            }
          }
        }
        String[] envp = env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        IntByReference pid = new IntByReference();
        String program = argv.getFirst();
        int err = program.contains("/")
            ? c.posix_spawn(pid, program, actions, attr, argv.toArray(String[]::new), envp)
            : c.posix_spawnp(pid, program, actions, attr, argv.toArray(String[]::new), envp);
        if (err != 0) {
          throw new IOException("cannot run " + program + ": " + Libc.INSTANCE.strerror(err) + " (errno " + err + ")");
        }
        Child child = new Child(pid.getValue(), program, parent);
        parentEnds.clear();
        REAPERS.execute(child::reap);
        return child;
      } finally {
        c.posix_spawnattr_destroy(attr);
      }
    } finally {
      c.posix_spawn_file_actions_destroy(actions);
      childEnds.forEach(Spawn::closeQuietly);
      parentEnds.forEach(Spawn::closeQuietly);
    }
  }

  private static void pipe(int[] ends) throws IOException {
    try {
      C.INSTANCE.pipe2(ends, O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new IOException("pipe2: " + Libc.describe(e), e);
    }
  }

  private static void check(int err, String what) throws IOException {
    if (err != 0) {
      throw new IOException(what + ": " + Libc.INSTANCE.strerror(err) + " (errno " + err + ")");
    }
  }

  private static void closeQuietly(int fd) {
    try {
      Libc.INSTANCE.close(fd);
    } catch (LastErrorException ignored) {
      // already closed
    }
  }

  /**
   * A started helper. Its exit is collected by a reaper thread, so waiting never pins a virtual thread. Each
   * pipe asked for is taken once, as a stream (blocking reads, fine on virtual threads) or as an {@link Fd}
   * (reads a close from another thread ends, for readers that must not outlive the helper).
   */
  public static final class Child {
    private final int pid;
    private final String program;
    private final int[] pipes;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private boolean reaped;

    private Child(int pid, String program, int[] pipes) {
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
        closeQuietly(fd);
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
          closeQuietly(pipes[i]);
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
    private void reap() {
      Memory info = new Memory(SIGINFO_SIZE);
      while (true) {
        try {
          C.INSTANCE.waitid(P_PID, pid, info, WEXITED | WNOWAIT);
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
          C.INSTANCE.waitpid(pid, st, 0);
        } catch (LastErrorException e) {
          exit.completeExceptionally(new IOException("waitpid " + pid + ": " + Libc.describe(e)));
          return;
        } finally {
          reaped = true;
        }
        status = st.getValue();
      }
      exit.complete((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f));
    }
  }

  private static final boolean HAS_CLOSEFROM = hasFunction("posix_spawn_file_actions_addclosefrom_np");

  private static boolean hasFunction(String name) {
    try {
      com.sun.jna.NativeLibrary.getInstance("c").getFunction(name);
      return true;
    } catch (UnsatisfiedLinkError e) {
      return false;
    }
  }

  private static List<Integer> openDescriptors() throws IOException {
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.map(f -> f.getFileName().toString()).filter(n -> n.matches("\\d+")).map(Integer::valueOf).toList();
    }
  }

  private static final ExecutorService REAPERS = Executors.newCachedThreadPool(
      Thread.ofPlatform().name("reaper-", 0).daemon().stackSize(256 * 1024).factory());

  private static final int O_RDONLY = 0;
  private static final int O_WRONLY = 1;
  private static final int O_CREAT = 0100;
  private static final int O_TRUNC = 01000;
  private static final int O_CLOEXEC = 02000000;
  private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
  private static final int P_PID = 1;
  private static final int WEXITED = 4;
  private static final int WNOWAIT = 0x01000000;
  /** glibc x86-64/arm64 sizes are 80, 336, 128 and 128 bytes; room to spare. */
  private static final int FILE_ACTIONS_SIZE = 256;
  private static final int SPAWNATTR_SIZE = 512;
  private static final int SIGSET_SIZE = 256;
  private static final int SIGINFO_SIZE = 256;

  private interface C extends Library {
    C INSTANCE = Native.load("c", C.class);

    int posix_spawn(IntByReference pid, String path, Pointer actions, Pointer attr, String[] argv, String[] envp);

    int posix_spawnp(IntByReference pid, String file, Pointer actions, Pointer attr, String[] argv, String[] envp);

    int posix_spawn_file_actions_init(Pointer actions);

    int posix_spawn_file_actions_destroy(Pointer actions);

    int posix_spawn_file_actions_addopen(Pointer actions, int fd, String path, int flags, int mode);

    int posix_spawn_file_actions_addclose(Pointer actions, int fd);

    int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

    int posix_spawn_file_actions_addchdir_np(Pointer actions, String path);

    int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

    int posix_spawnattr_init(Pointer attr);

    int posix_spawnattr_destroy(Pointer attr);

    int posix_spawnattr_setflags(Pointer attr, short flags);

    int posix_spawnattr_setsigmask(Pointer attr, Pointer mask);

    int posix_spawnattr_setsigdefault(Pointer attr, Pointer set);

    int sigemptyset(Pointer set);

    int sigfillset(Pointer set);

    int pipe2(int[] fds, int flags) throws LastErrorException;

    int waitid(int idType, int id, Pointer info, int options) throws LastErrorException;

    int waitpid(int pid, IntByReference status, int options) throws LastErrorException;
  }
}
