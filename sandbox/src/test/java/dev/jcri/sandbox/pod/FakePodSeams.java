package dev.jcri.sandbox.pod;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.HelperFailedException;
import dev.jcri.sandbox.cgroup.CgroupManager;
import dev.jcri.sandbox.cgroup.CgroupResources;
import dev.jcri.sandbox.cgroup.CgroupStats;
import dev.jcri.sandbox.cgroup.MigrationPrimer;
import dev.jcri.sandbox.cni.CniNetwork;
import dev.jcri.sandbox.cni.CniResult;
import dev.jcri.sandbox.cni.PodNetwork;
import dev.jcri.sandbox.cni.PortMapping;
import dev.jcri.sandbox.ns.NamespaceKind;
import dev.jcri.sandbox.ns.PodNamespaces;
import dev.jcri.sandbox.runtime.RuntimeHandlers;
import dev.jcri.sandbox.trace.StepObserver;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Fakes of every seam where pods meet the kernel and the helpers (namespaces, cgroups, CNI, infra, shm), sharing
 * one journal of what they were asked to do; a step named in {@link #failing} fails as a dead helper does.
 */
public final class FakePodSeams {

  /** What the fakes were asked to do, in order. */
  public final List<String> journal = Collections.synchronizedList(new ArrayList<>());
  /** Steps that fail. */
  public final Set<String> failing = Collections.synchronizedSet(new HashSet<>());
  public final FakeNamespaces namespaces = new FakeNamespaces();
  public final FakeCgroups cgroups = new FakeCgroups();
  public final FakeNetwork network = new FakeNetwork();
  public final FakeInfra infra = new FakeInfra();
  /** Primes nothing; {@link FakeInfra} notes whether its start held it. */
  public final MigrationPrimer primer = new MigrationPrimer(() -> { }, "primer-test");
  private final Path dir;

  /** @param dir where the fake namespace pins are files */
  public FakePodSeams(Path dir) {
    this.dir = dir;
  }

  public PodSandboxManager.Seams seams() {
    ShmMounter shm = new ShmMounter() {
      @Override
      public void mount(Path at) {
        step("shm.mount");
      }

      @Override
      public void unmount(Path at) {
        step("shm.unmount");
      }
    };
    return new PodSandboxManager.Seams(namespaces, cgroups, network, infra, shm, primer);
  }

  /** A pod manager on these fakes, its records and files under {@code dir}. */
  public PodSandboxManager manager(PodSandboxStore store) {
    return new PodSandboxManager(store, seams(), dir.resolve("pods"), new RuntimeHandlers(Map.of(), "runc"),
        OpenTelemetry.noop().getTracer("test"), StepObserver.NONE);
  }

  /** What a test runs as a step begins, by step name (to hold one until another has begun). */
  public final Map<String, Runnable> onStep = new java.util.concurrent.ConcurrentHashMap<>();

  /** Records a call, failing it when the test asked so. */
  public void step(String name) {
    onStep.getOrDefault(name, () -> { }).run();
    journal.add(name);
    if (failing.contains(name)) {
      throw new HelperFailedException(name + " failed (as the test asked)");
    }
  }

  /** A pod asking for nothing special: its own network, IPC and shared PID namespace. */
  public static PodSpec spec(String name, NamespaceMode network, NamespaceMode pid) {
    return new PodSpec(name, "default", "uid-" + name, 0, "", "", new PodSpec.Dns(List.of(), List.of(), List.of()),
        List.of(), Map.of(), Map.of(), "", network, pid, NamespaceMode.POD, Map.of(), "", null, null, null);
  }


  public final class FakeNamespaces implements PodNamespaces {
    @Override
    public Map<NamespaceKind, Path> create(String podId, Set<NamespaceKind> kinds, Setup setup) {
      step("namespaces.create");
      Map<NamespaceKind, Path> pins = new LinkedHashMap<>();
      for (NamespaceKind k : kinds) {
        Path pin = dir.resolve("pins").resolve(k.pinDir()).resolve(podId);
        try {
          Files.createDirectories(pin.getParent());
          Files.writeString(pin, setup.hostname());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        pins.put(k, pin);
      }
      return pins;
    }

    @Override
    public Map<NamespaceKind, Path> createInUserNamespace(String podId, Set<NamespaceKind> kinds, String uidMap,
        String gidMap, Setup setup) {
      return create(podId, kinds, setup);
    }

    @Override
    public Map<String, List<Path>> pinned() {
      Map<String, List<Path>> byPod = new TreeMap<>();
      try (var walk = Files.walk(dir.resolve("pins"))) {
        walk.filter(Files::isRegularFile)
            .forEach(p -> byPod.computeIfAbsent(p.getFileName().toString(), k -> new ArrayList<>()).add(p));
      } catch (IOException e) {
        return Map.of();
      }
      return byPod;
    }

    @Override
    public void release(Path pin) {
      step("namespaces.release");
      try {
        Files.deleteIfExists(pin);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public <T> T enter(Path pin, NamespaceKind kind, Supplier<T> action) {
      return action.get();
    }
  }

  public final class FakeCgroups implements CgroupManager {
    public final Set<String> live = Collections.synchronizedSet(new HashSet<>());

    @Override
    public List<String> create(String path) {
      step("cgroup.create");
      live.add(path);
      return List.of(path);
    }

    @Override
    public void apply(String path, CgroupResources resources) {
      step("cgroup.apply");
    }

    @Override
    public void remove(List<String> created) {
      step("cgroup.remove");
      created.forEach(live::remove);
    }

    @Override
    public CgroupStats stats(String path) {
      return null;
    }

    @Override
    public boolean exists(String path) {
      return live.contains(path);
    }
  }

  public final class FakeNetwork implements PodNetwork {
    public final List<String> live = Collections.synchronizedList(new ArrayList<>());

    @Override
    public CniResult add(CniNetwork.PodRef pod, Path netns, List<PortMapping> ports) {
      assertTrue(Files.exists(netns), "the network namespace is pinned before CNI ADD");
      live.add(pod.podId());
      step("network.add");
      return new CniResult("jcri", List.of("10.88.0.2"), "{}");
    }

    @Override
    public void del(String podId, CniNetwork.PodRef pod) {
      step("network.del");
      live.remove(podId);
    }

    @Override
    public List<String> recover() {
      return List.copyOf(live);
    }
  }

  public final class FakeInfra implements PodInfra {
    public final Set<String> bundles = Collections.synchronizedSet(new HashSet<>());
    /** How many held the primer as each infra process started. */
    public final List<Integer> primerHolders = Collections.synchronizedList(new ArrayList<>());

    @Override
    public int ensure(String podId, String handler, Map<String, String> pins, String cgroupPath,
        PodSpec.UserNamespace userns) {
      primerHolders.add(primer.holders());
      bundles.add(podId);
      step("infra.ensure");
      return 4242;
    }

    @Override
    public OptionalInt pid(String podId) {
      return bundles.contains(podId) ? OptionalInt.of(4242) : OptionalInt.empty();
    }

    @Override
    public void stop(String podId, String handler) {
      step("infra.stop");
    }

    @Override
    public void remove(String podId, String handler) {
      step("infra.remove");
      bundles.remove(podId);
    }

    @Override
    public List<String> podIds() {
      return List.copyOf(bundles);
    }

    @Override
    public void removeOrphan(String podId) {
      step("infra.removeOrphan");
      bundles.remove(podId);
    }
  }

}
