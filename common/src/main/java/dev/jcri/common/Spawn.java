package dev.jcri.common;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Starts a helper program (the OCI runtime, conmon, a CNI plugin) with glibc's posix_spawn, which clones
 * without copying the JVM's memory and execs the program directly. {@link ProcessBuilder} execs a launcher
 * first, which execs the program: one exec more per helper, ~3 ms each on a small node, and a pod's start
 * runs several helpers. The child gets exactly the descriptors asked for (stdio and any {@link #fd}); every
 * other one is closed, signal dispositions and the mask are reset.
 */
public final class Spawn {

  private static final boolean HAS_CLOSEFROM = hasFunction("posix_spawn_file_actions_addclosefrom_np");

  /**
   * Children started here and not yet reaped by their own waiter: the {@link ChildReaper} leaves them alone.
   * Spawning holds the read side from posix_spawn until the pid is listed; the reaper holds the write side while
   * it reaps, so it never takes a child whose waiter is yet to come.
   */
  static final java.util.concurrent.locks.ReentrantReadWriteLock SPAWNING =
      new java.util.concurrent.locks.ReentrantReadWriteLock();
  static final java.util.Set<Integer> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private static final ExecutorService REAPERS = Executors.newCachedThreadPool(
      Thread.ofPlatform().name("reaper-", 0).daemon().stackSize(256 * 1024).factory());

  private static final int O_RDONLY = 0;
  private static final int O_WRONLY = 1;
  private static final int O_CREAT = 0100;
  private static final int O_TRUNC = 01000;
  private static final int O_CLOEXEC = 02000000;
  private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
  /** glibc x86-64/arm64 sizes are 80, 336, 128 and 128 bytes; room to spare. */
  private static final int FILE_ACTIONS_SIZE = 256;
  private static final int SPAWNATTR_SIZE = 512;
  private static final int SIGSET_SIZE = 256;

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

  /** stdin from {@code file}, created empty when missing. */
  public Spawn stdinFrom(Path file) {
    stdin = new ToFile(file);
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

  /** Binds the C calls a spawn makes (done once; the start-up does it ahead of the first pod). */
  public static void warmUp() {
    try {
      Class.forName(Posix.class.getName(), true, Spawn.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Starts the program; the returned child must be waited for (it is reaped then). */
  public HelperProcess start() throws IOException {
    List<Integer> parentEnds = new ArrayList<>();
    List<Integer> childEnds = new ArrayList<>();
    Memory actions = new Memory(FILE_ACTIONS_SIZE);
    Memory attr = new Memory(SPAWNATTR_SIZE);
    Memory sigs = new Memory(SIGSET_SIZE);
    int[] parent = {-1, -1, -1};
    check(Posix.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
    try {
      check(Posix.posix_spawnattr_init(attr), "posix_spawnattr_init");
      try {
        Posix.sigemptyset(sigs);
        check(Posix.posix_spawnattr_setsigmask(attr, sigs), "posix_spawnattr_setsigmask");
        Posix.sigfillset(sigs);
        check(Posix.posix_spawnattr_setsigdefault(attr, sigs), "posix_spawnattr_setsigdefault");
        check(Posix.posix_spawnattr_setflags(attr, (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)),
            "posix_spawnattr_setflags");
        Io[] stdio = {stdin, stdout, stderr};
        for (int fd = 0; fd < 3; fd++) {
          switch (stdio[fd]) {
            case Null n -> check(Posix.posix_spawn_file_actions_addopen(actions, fd, "/dev/null",
                fd == 0 ? O_RDONLY : O_WRONLY, 0), "addopen /dev/null");
            case ToFile f -> check(Posix.posix_spawn_file_actions_addopen(actions, fd, f.file().toString(),
                fd == 0 ? O_RDONLY | O_CREAT : O_WRONLY | O_CREAT | O_TRUNC, 0600), "addopen " + f.file());
            case ToStdout s -> check(Posix.posix_spawn_file_actions_adddup2(actions, 1, fd), "adddup2");
            case Pipe p -> {
              int[] ends = new int[2];
              pipe(ends);
              int childEnd = fd == 0 ? ends[0] : ends[1];
              parent[fd] = fd == 0 ? ends[1] : ends[0];
              parentEnds.add(parent[fd]);
              childEnds.add(childEnd);
              check(Posix.posix_spawn_file_actions_adddup2(actions, childEnd, fd), "adddup2");
            }
          }
        }
        int lowestFree = 3;
        for (var e : extraFds.entrySet()) {
          check(Posix.posix_spawn_file_actions_adddup2(actions, e.getValue(), e.getKey()), "adddup2");
          lowestFree = Math.max(lowestFree, e.getKey() + 1);
        }
        for (int fd = 3; fd < lowestFree; fd++) {
          if (!extraFds.containsKey(fd)) {
            check(Posix.posix_spawn_file_actions_addclose(actions, fd), "addclose");
          }
        }
        if (dir != null) {
          check(C.INSTANCE.posix_spawn_file_actions_addchdir_np(actions, dir.toString()), "addchdir " + dir);
        }
        if (HAS_CLOSEFROM) {
          check(C.INSTANCE.posix_spawn_file_actions_addclosefrom_np(actions, lowestFree), "addclosefrom");
        } else {
          // glibc before 2.34: close what is open now (a descriptor opened meanwhile by another thread may slip
          // through; most of jcri's are close-on-exec anyway).
          for (int fd : openDescriptors()) {
            if (fd >= lowestFree) {
              check(Posix.posix_spawn_file_actions_addclose(actions, fd), "addclose");
            }
          }
        }
        StringArray envp = Environments.of(env);
        StringArray args = new StringArray(argv.toArray(String[]::new));
        IntByReference pid = new IntByReference();
        String program = argv.getFirst();
        int err;
        SPAWNING.readLock().lock();
        try {
          err = program.contains("/")
              ? Posix.posix_spawn(pid, program, actions, attr, args, envp)
              : Posix.posix_spawnp(pid, program, actions, attr, args, envp);
          if (err == 0) {
            LIVE.add(pid.getValue());
          }
        } finally {
          SPAWNING.readLock().unlock();
        }
        if (err != 0) {
          throw new IOException("cannot run " + program + ": " + Libc.INSTANCE.strerror(err) + " (errno " + err + ")");
        }
        HelperProcess child = new HelperProcess(pid.getValue(), program, parent);
        parentEnds.clear();
        REAPERS.execute(child::reap);
        return child;
      } finally {
        Posix.posix_spawnattr_destroy(attr);
      }
    } finally {
      Posix.posix_spawn_file_actions_destroy(actions);
      childEnds.forEach(Spawn::closeQuietly);
      parentEnds.forEach(Spawn::closeQuietly);
    }
  }

  private static void pipe(int[] ends) throws IOException {
    try {
      Posix.pipe2(ends, O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new IOException("pipe2: " + Libc.describe(e), e);
    }
  }

  private static void check(int err, String what) throws IOException {
    if (err != 0) {
      throw new IOException(what + ": " + Libc.INSTANCE.strerror(err) + " (errno " + err + ")");
    }
  }

  static void closeQuietly(int fd) {
    try {
      Posix.close(fd);
    } catch (LastErrorException ignored) {
      // already closed
    }
  }

  private static boolean hasFunction(String name) {
    try {
      NativeSearchPath.prepare();
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

  /**
   * The spawn calls glibc has had only since 2.29 and 2.34, looked up on first use (the direct binding,
   * {@link Posix}, would fail as a whole on an older one).
   */
  interface C extends Library {
    C INSTANCE = load();

    private static C load() {
      NativeSearchPath.prepare();
      return Native.load("c", C.class);
    }

    int posix_spawn_file_actions_addchdir_np(Pointer actions, String path);

    int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);
  }

  /**
   * The environment as a C array, kept for the next spawn with the same environment (nearly all of jcri's
   * helpers run with jcri's own): building it is a copy of every variable.
   */
  private static final class Environments {
    /** The environment and its C array, as one value: two fields could pair one spawn's map with another's array. */
    private record Made(Map<String, String> env, StringArray array) {}

    private static volatile Made last;

    static StringArray of(Map<String, String> env) {
      Made m = last;
      if (m != null && m.env().equals(env)) {
        return m.array();
      }
      m = new Made(Map.copyOf(env), new StringArray(env.entrySet().stream()
          .map(v -> v.getKey() + "=" + v.getValue()).toArray(String[]::new)));
      last = m;
      return m.array();
    }
  }
}
