package dev.jcri.sandbox.ns;

import com.sun.jna.LastErrorException;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.HelperFailedException;
import dev.jcri.common.HelperProcess;
import dev.jcri.common.JcriException;
import dev.jcri.common.Libc;
import dev.jcri.common.Spawn;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Creates a pod's namespaces and pins them, as {@code ip netns add} does: a fresh platform thread unshares
 * them, runs the setup that must happen inside (hostname, sysctls), bind-mounts its
 * {@code /proc/thread-self/ns/<kind>} onto a file under the state directory, and exits. The thread never
 * returns to the JVM's pool, so no other work can ever run in a pod's namespaces, and no helper process is
 * spawned. The pin keeps the namespace alive until it is unmounted.
 */
public final class NamespacePinner implements PodNamespaces {

  private final Path stateDir;

  public NamespacePinner(Path stateDir) {
    this.stateDir = stateDir;
  }

  @Override
  public Map<NamespaceKind, Path> create(String podId, Set<NamespaceKind> kinds, Setup setup) {
    return create(podId, kinds, inside(setup));
  }

  @Override
  public Map<NamespaceKind, Path> createInUserNamespace(String podId, Set<NamespaceKind> kinds, String uidMap,
      String gidMap, Setup setup) {
    return createInUserNamespace(podId, kinds, uidMap, gidMap, inside(setup));
  }

  @Override
  public Map<String, List<Path>> pinned() {
    Map<String, List<Path>> byPod = new TreeMap<>();
    for (NamespaceKind kind : NamespaceKind.values()) {
      Path dir = stateDir.resolve(kind.pinDir());
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> pins = Files.list(dir)) {
        pins.filter(p -> p.getFileName().toString().matches("[a-f0-9]{64}"))
            .forEach(p -> byPod.computeIfAbsent(p.getFileName().toString(), k -> new ArrayList<>()).add(p));
      } catch (IOException e) {
        // a later start sweeps again
      }
    }
    return byPod;
  }

  @Override
  public void release(Path pin) {
    unpin(pin);
  }

  @Override
  public <T> T enter(Path pin, NamespaceKind kind, Supplier<T> action) {
    return inNamespace(pin, kind, action);
  }

  /** The hostname in a new UTS namespace, loopback up in a new network namespace, then the sysctls. */
  private static Consumer<Set<NamespaceKind>> inside(Setup setup) {
    return in -> {
      if (in.contains(NamespaceKind.UTS)) {
        setHostname(setup.hostname());
      }
      if (in.contains(NamespaceKind.NET)) {
        Loopback.up();
      }
      setup.sysctls().forEach(NamespacePinner::writeSysctl);
    };
  }

  public Path pinPath(NamespaceKind kind, String podId) {
    return stateDir.resolve(kind.pinDir()).resolve(podId);
  }

  /**
   * Creates and pins namespaces of {@code kinds} for {@code podId}; {@code inside} runs on the thread while it
   * is in them (for sethostname and namespaced sysctls). On failure nothing stays pinned.
   *
   * @return the pin path of each kind
   */
  public Map<NamespaceKind, Path> create(String podId, Set<NamespaceKind> kinds, Consumer<Set<NamespaceKind>> inside) {
    if (kinds.contains(NamespaceKind.USER)) {
      throw new IllegalArgumentException("a user namespace is made by createInUserNamespace");
    }
    if (kinds.isEmpty()) {
      if (inside != null) {
        inside.accept(kinds);
      }
      return Map.of();
    }
    Map<NamespaceKind, Path> pins = new LinkedHashMap<>();
    for (NamespaceKind k : kinds) {
      pins.put(k, pinPath(k, podId));
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread t = Thread.ofPlatform().name("ns-create-" + podId.substring(0, Math.min(12, podId.length())))
        .unstarted(() -> {
          List<Path> mounted = new ArrayList<>();
          try {
            int flags = 0;
            for (NamespaceKind k : kinds) {
              flags |= k.cloneFlag();
            }
            Libc.INSTANCE.unshare(flags);
            if (inside != null) {
              inside.accept(EnumSet.copyOf(kinds));
            }
            for (Map.Entry<NamespaceKind, Path> pin : pins.entrySet()) {
              Files.createDirectories(pin.getValue().getParent());
              if (!Files.exists(pin.getValue(), LinkOption.NOFOLLOW_LINKS)) {
                Files.createFile(pin.getValue());
              }
              Libc.INSTANCE.mount("/proc/thread-self/ns/" + pin.getKey().procName(), pin.getValue().toString(),
                  null, Libc.MS_BIND, null);
              mounted.add(pin.getValue());
            }
            done.complete(null);
          } catch (Throwable e) {
            for (Path p : mounted) {
              unpin(p);
            }
            pins.values().forEach(NamespacePinner::deleteQuietly);
            done.completeExceptionally(e);
          }
        });
    t.start();
    try {
      done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating namespaces", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof LastErrorException le) {
        throw new FailedPreconditionException("creating the pod's " + kinds + " namespaces failed: "
            + Libc.describe(le), le);
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(cause);
    }
    return pins;
  }

  /**
   * Like {@link #create}, for a pod with a user namespace of its own, which then owns the other namespaces.
   * A multithreaded process such as the JVM may not make or join a user namespace, so a short-lived helper
   * ({@code unshare}) makes them all; jcri writes the id maps, pins the helper's namespaces and ends it.
   * {@code inside} runs on a thread that has joined the new (non-user) namespaces: the node's root keeps its
   * capabilities over namespaces its descendants own.
   */
  public Map<NamespaceKind, Path> createInUserNamespace(String podId, Set<NamespaceKind> kinds, String uidMap,
      String gidMap, Consumer<Set<NamespaceKind>> inside) {
    Map<NamespaceKind, Path> pins = new LinkedHashMap<>();
    pins.put(NamespaceKind.USER, pinPath(NamespaceKind.USER, podId));
    for (NamespaceKind k : kinds) {
      pins.put(k, pinPath(k, podId));
    }
    List<String> cmd = new ArrayList<>(List.of("unshare", "--user"));
    if (kinds.contains(NamespaceKind.NET)) {
      cmd.add("--net");
    }
    if (kinds.contains(NamespaceKind.IPC)) {
      cmd.add("--ipc");
    }
    if (kinds.contains(NamespaceKind.UTS)) {
      cmd.add("--uts");
    }
    cmd.addAll(List.of("--", "sleep", "300"));
    List<Path> mounted = new ArrayList<>();
    HelperProcess helper = null;
    try {
      helper = Spawn.of(cmd).stdoutPipe().stderrToStdout().start();
      long pid = helper.pid();
      Path own = Path.of("/proc/self/ns/user");
      Path theirs = Path.of("/proc", Long.toString(pid), "ns", "user");
      for (int i = 0; i < 1000 && helper.isAlive() && Files.readSymbolicLink(theirs).equals(Files.readSymbolicLink(own)); i++) {
        Thread.sleep(1);
      }
      if (!helper.isAlive() || Files.readSymbolicLink(theirs).equals(Files.readSymbolicLink(own))) {
        // Ended first, so that reading what it said cannot wait on a helper still holding its output.
        helper.kill();
        helper.waitFor(5, TimeUnit.SECONDS);
        String said;
        try (InputStream out = helper.stdout()) {
          said = new String(out.readNBytes(4096), StandardCharsets.UTF_8).strip();
        }
        throw new HelperFailedException("unshare did not make the pod's user namespace: " + said);
      }
      Files.writeString(Path.of("/proc", Long.toString(pid), "uid_map"), uidMap);
      Files.writeString(Path.of("/proc", Long.toString(pid), "gid_map"), gidMap);
      for (Map.Entry<NamespaceKind, Path> pin : pins.entrySet()) {
        Files.createDirectories(pin.getValue().getParent());
        if (!Files.exists(pin.getValue(), LinkOption.NOFOLLOW_LINKS)) {
          Files.createFile(pin.getValue());
        }
        Libc.INSTANCE.mount("/proc/" + pid + "/ns/" + pin.getKey().procName(), pin.getValue().toString(), null,
            Libc.MS_BIND, null);
        mounted.add(pin.getValue());
      }
      helper.kill();
      helper.waitFor();
      helper.closePipes();
      if (inside != null) {
        inAll(pins, kinds, inside);
      }
      return pins;
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (helper != null) {
        helper.kill();
        helper.closePipes();
      }
      for (Path p : mounted) {
        unpin(p);
      }
      pins.values().forEach(NamespacePinner::deleteQuietly);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      if (e instanceof JcriException je) {
        throw je;
      }
      throw new HelperFailedException("creating the pod's user namespace and " + kinds + " failed: "
          + (e instanceof LastErrorException le ? Libc.describe(le) : e.getMessage()), e);
    }
  }

  /** Runs {@code inside} on a fresh thread that has joined every pinned namespace of {@code kinds}. */
  private static void inAll(Map<NamespaceKind, Path> pins, Set<NamespaceKind> kinds, Consumer<Set<NamespaceKind>> inside) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread.ofPlatform().name("ns-enter").start(() -> {
      try {
        for (NamespaceKind k : kinds) {
          int fd = Libc.INSTANCE.open(pins.get(k).toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
          try {
            Libc.INSTANCE.setns(fd, k.cloneFlag());
          } finally {
            Libc.INSTANCE.close(fd);
          }
        }
        inside.accept(EnumSet.copyOf(kinds));
        done.complete(null);
      } catch (Throwable e) {
        done.completeExceptionally(e);
      }
    });
    try {
      done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Runs {@code action} on a fresh thread that has joined the namespace pinned at {@code pin}. */
  public static <T> T inNamespace(Path pin, NamespaceKind kind, Supplier<T> action) {
    CompletableFuture<T> done = new CompletableFuture<>();
    Thread.ofPlatform().name("ns-enter").start(() -> {
      int fd = -1;
      try {
        fd = Libc.INSTANCE.open(pin.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
        Libc.INSTANCE.setns(fd, kind.cloneFlag());
        done.complete(action.get());
      } catch (Throwable e) {
        done.completeExceptionally(e);
      } finally {
        if (fd >= 0) {
          Libc.INSTANCE.close(fd);
        }
      }
    });
    try {
      return done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof LastErrorException le) {
        throw new FailedPreconditionException("entering " + pin + " failed: " + Libc.describe(le), le);
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Unpins and deletes a pin file; a missing pin is fine. */
  public static void unpin(Path pin) {
    if (!Files.exists(pin, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Libc.INSTANCE.umount2(pin.toString(), Libc.MNT_DETACH);
    } catch (LastErrorException e) {
      if (e.getErrorCode() != 22) { // EINVAL: not mounted
        throw new FailedPreconditionException("unmounting namespace pin " + pin + ": " + Libc.describe(e), e);
      }
    }
    deleteQuietly(pin);
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // a later removal retries
    }
  }

  /** Sets a namespaced sysctl from a thread inside the namespace ({@code key} as in sysctl -w, dotted). */
  public static void writeSysctl(String key, String value) {
    Path file = Path.of("/proc/sys").resolve(key.replace('.', '/'));
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new FailedPreconditionException("setting sysctl " + key + "=" + value + " failed: " + e.getMessage(), e);
    }
  }

  public static void setHostname(String hostname) {
    byte[] b = hostname.getBytes(StandardCharsets.UTF_8);
    try {
      Libc.INSTANCE.sethostname(hostname, b.length);
    } catch (LastErrorException e) {
      throw new FailedPreconditionException("setting hostname " + hostname + ": " + Libc.describe(e), e);
    }
  }
}
