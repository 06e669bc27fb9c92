package dev.jcri.sandbox.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.HelperFailedException;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Json;
import dev.jcri.common.NotFoundException;
import dev.jcri.image.manifest.ImageConfig;
import dev.jcri.image.manifest.Platform;
import dev.jcri.image.store.ImageRecord;
import dev.jcri.sandbox.cdi.CdiRegistry;
import dev.jcri.sandbox.cgroup.MigrationPrimer;
import dev.jcri.sandbox.cgroup.CgroupResources;
import dev.jcri.sandbox.pod.FakePodSeams;
import dev.jcri.sandbox.pod.NamespaceMode;
import dev.jcri.sandbox.pod.PodSandbox;
import dev.jcri.sandbox.pod.PodSandboxManager;
import dev.jcri.sandbox.pod.PodSandboxStore;
import dev.jcri.sandbox.runtime.ContainerRuntime;
import dev.jcri.sandbox.runtime.ExecOutputBudget;
import dev.jcri.sandbox.runtime.ExecResult;
import dev.jcri.sandbox.runtime.InteractiveExec;
import dev.jcri.sandbox.runtime.RuntimeHandlers;
import dev.jcri.sandbox.runtime.TerminalSize;
import dev.jcri.sandbox.trace.StepObserver;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CreateContainer against fakes of the image snapshots and the OCI runtime, in a pod made on fake seams: each
 * step that fails undoes the steps before it in reverse order and frees the name; refusals make nothing.
 */
class ContainerCreatorTest {

  static final String IMAGE = "registry.test/busybox:1";

  @TempDir Path dir;

  FakePodSeams fakes;
  List<String> journal;
  ContainerStore store;
  ContainerDirs dirs;
  PodSandboxManager pods;
  ContainerCreator creator;
  PodSandbox pod;
  /** Primes nothing; tells whether the create held it. */
  final MigrationPrimer primer = new MigrationPrimer(() -> {}, "primer-test");
  int holdersAtRuntimeCreate = -1;

  @BeforeEach
  void setUp() {
    fakes = new FakePodSeams(dir);
    journal = fakes.journal;
    pods = fakes.manager(new PodSandboxStore(dir.resolve("pod-records")));
    store = new ContainerStore(dir.resolve("container-records"));
    dirs = ContainerDirs.under(dir.resolve("state"));
    dirs.create();
    creator = new ContainerCreator(store, pods, new FakeImages(), new RuntimeHandlers(Map.of("runc",
        new FakeRuntime()), "runc"), new CdiRegistry(List.of(dir.resolve("cdi"))), dirs, new ContainerEvents(), OpenTelemetry.noop().getTracer("test"),
        StepObserver.NONE, primer);
    pod = pods.run(FakePodSeams.spec("web", NamespaceMode.POD, NamespaceMode.CONTAINER));
    journal.clear();
  }

  static ContainerSpec spec(String name, String image) {
    return new ContainerSpec(name, 0, image, List.of("sleep"), List.of("1000"), "", List.of("A=b"), List.of(),
        Map.of(), Map.of(), "", false, false, false, CgroupResources.NONE, 0, null, "", null, List.of(), false,
        false, List.of(), List.of(), false, NamespaceMode.CONTAINER, "", List.of(), List.of(),
        ContainerSpec.Seccomp.RUNTIME_DEFAULT, "", List.of(),
        ContainerSpec.GroupsPolicy.MERGE, List.of());
  }

  List<String> bundles() throws Exception {
    try (var s = Files.list(dirs.containers())) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  @Test
  void create_everyStepSucceeds_recordsACreatedContainerWithItsSpec() throws Exception {
    ContainerRecord c = creator.create(pod.id(), spec("app", IMAGE));

    assertEquals(ContainerRecord.State.CREATED, c.state());
    assertEquals(4321, c.pid());
    assertEquals(c, store.get(c.id()));
    assertEquals(List.of("rootfs.prepare", "rootfs.mount", "runtime.create"), journal);
    assertEquals(1, holdersAtRuntimeCreate, "cgroup migrations primed while the runtime creates");
    assertEquals(0, primer.holders(), "and no longer once it has");
    JsonNode config = Json.PLAIN.readTree(dirs.bundle(c.id()).resolve("config.json").toFile());
    assertEquals("sleep", config.path("process").path("args").path(0).asText());
    assertEquals(pod.cgroupPath() + "/ctr-" + c.id(), config.path("linux").path("cgroupsPath").asText());
  }

  @Test
  void create_runtimeCreateFails_undoesRuntimeMountSnapshotAndBundleInReverseAndFreesTheName() throws Exception {
    fakes.failing.add("runtime.create");

    HelperFailedException e = assertThrows(HelperFailedException.class,
        () -> creator.create(pod.id(), spec("app", IMAGE)));

    assertTrue(e.getMessage().contains("runtime.create failed"), e.getMessage());
    assertEquals(List.of("rootfs.prepare", "rootfs.mount", "runtime.create", "runtime.delete", "rootfs.unmount",
        "rootfs.remove"), journal);
    assertTrue(store.list().isEmpty(), "no record of a container that failed");
    assertEquals(List.of(), bundles(), "its bundle is gone");
    assertEquals(0, primer.holders(), "the primer's hold goes with a failed create");
    fakes.failing.clear();
    assertEquals(ContainerRecord.State.CREATED, creator.create(pod.id(), spec("app", IMAGE)).state(),
        "the name is free again");
  }

  @Test
  void create_rootfsMountFails_removesTheSnapshotAndBundleOnly() throws Exception {
    fakes.failing.add("rootfs.mount");

    assertThrows(HelperFailedException.class, () -> creator.create(pod.id(), spec("app", IMAGE)));

    assertEquals(List.of("rootfs.prepare", "rootfs.mount", "rootfs.remove"), journal);
    assertEquals(List.of(), bundles());
    assertTrue(store.list().isEmpty());
  }

  @Test
  void create_undoStepFails_theFirstFailureIsReportedAndTheRestStillUndone() throws Exception {
    fakes.failing.add("runtime.create");
    fakes.failing.add("rootfs.unmount");

    HelperFailedException e = assertThrows(HelperFailedException.class,
        () -> creator.create(pod.id(), spec("app", IMAGE)));

    assertTrue(e.getMessage().contains("runtime.create failed"), e.getMessage());
    assertEquals(1, e.getSuppressed().length);
    assertTrue(journal.contains("rootfs.remove"), journal.toString());
    assertEquals(List.of(), bundles());
  }

  @Test
  void create_refusals_makeNothing() throws Exception {
    assertThrows(NotFoundException.class, () -> creator.create(pod.id(), spec("app", "registry.test/absent:1")));
    assertThrows(InvalidArgumentException.class, () -> creator.create(pod.id(), spec("", IMAGE)));
    assertThrows(InvalidArgumentException.class, () -> creator.create(pod.id(), spec("a/b", IMAGE)));
    pods.stop(pod.id());
    assertThrows(FailedPreconditionException.class, () -> creator.create(pod.id(), spec("app", IMAGE)));

    assertFalse(journal.stream().anyMatch(s -> s.startsWith("rootfs.") || s.startsWith("runtime.")), journal.toString());
    assertEquals(List.of(), bundles());
    assertTrue(store.list().isEmpty());
  }

  @Test
  void create_withAnImageVolume_undoesItsMountAndSnapshotWhenALaterStepFails() throws Exception {
    fakes.failing.add("runtime.create");
    ContainerSpec withVolume = spec("app", IMAGE).withMounts(List.of(new ContainerSpec.MountSpec("/data", "", true,
        ContainerSpec.Propagation.PRIVATE, false, false, List.of(), IMAGE, "data")));

    assertThrows(HelperFailedException.class, () -> creator.create(pod.id(), withVolume));

    assertEquals(List.of("rootfs.prepare", "rootfs.mount", "volume.mount", "runtime.create", "runtime.delete",
        "rootfs.unmount", "volumes.remove", "rootfs.unmount", "rootfs.remove"), journal);
    assertEquals(List.of(), bundles());
  }

  @Test
  void create_imageVolumeSubPathMissingOrOfAnAbsentImage_isRefusedAndUndone() throws Exception {
    ContainerSpec missingPath = spec("a", IMAGE).withMounts(List.of(new ContainerSpec.MountSpec("/data", "", true,
        ContainerSpec.Propagation.PRIVATE, false, false, List.of(), IMAGE, "no/such")));
    ContainerSpec absentImage = spec("b", IMAGE).withMounts(List.of(new ContainerSpec.MountSpec("/data", "", true,
        ContainerSpec.Propagation.PRIVATE, false, false, List.of(), "registry.test/absent:1", "")));

    assertThrows(NotFoundException.class, () -> creator.create(pod.id(), missingPath));
    assertThrows(NotFoundException.class, () -> creator.create(pod.id(), absentImage));

    assertEquals(List.of(), bundles());
    assertTrue(store.list().isEmpty());
    assertTrue(journal.contains("volumes.remove"), journal.toString());
  }

  final class FakeImages implements ContainerImages {
    @Override
    public Optional<ImageRecord> image(String reference) {
      if (!reference.equals(IMAGE)) {
        return Optional.empty();
      }
      ImageConfig config = new ImageConfig("", List.of("PATH=/bin"), List.of(), List.of("sh"), "/", "", List.of(),
          List.of(), Map.of(), List.of(), new Platform("linux", "amd64", ""));
      return Optional.of(new ImageRecord(ImageRecord.VERSION, "sha256:" + "c".repeat(64), List.of(IMAGE), List.of(),
          1, List.of(), List.of(), List.of("sha256:" + "d".repeat(64)), config, false, Instant.EPOCH));
    }

    @Override
    public void prepareRootfs(String containerId, String topChainId) {
      fakes.step("rootfs.prepare");
    }

    @Override
    public void mountRootfs(String containerId, Path rootfs, Path usernsPin, long hostRootUid, long hostRootGid) {
      fakes.step("rootfs.mount");
    }

    @Override
    public void unmountRootfs(Path rootfs) {
      fakes.step("rootfs.unmount");
    }

    @Override
    public void removeRootfs(String containerId) {
      fakes.step("rootfs.remove");
    }

    @Override
    public void mountImageVolume(String containerId, int index, String topChainId, Path target, Path usernsPin,
        long hostRootUid, long hostRootGid) {
      fakes.step("volume.mount");
      try {
        Files.createDirectories(target.resolve("data"));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public void removeImageVolumes(String containerId) {
      fakes.step("volumes.remove");
    }

    @Override
    public Optional<Path> writableLayer(String containerId) {
      return Optional.empty();
    }
  }

  final class FakeRuntime implements ContainerRuntime {
    @Override
    public String handler() {
      return "runc";
    }

    @Override
    public int create(CreateRequest request) {
      assertTrue(Files.exists(request.bundle().resolve("config.json")), "the spec is written before create");
      holdersAtRuntimeCreate = primer.holders();
      fakes.step("runtime.create");
      return 4321;
    }

    @Override
    public int runDetached(String id, Path bundle) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void start(String id) {
      fakes.step("runtime.start");
    }

    @Override
    public void kill(String id, String signal) {
      fakes.step("runtime.kill");
    }

    @Override
    public void delete(String id) {
      fakes.step("runtime.delete");
    }

    @Override
    public ExecResult execSync(String id, Path bundle, List<String> command, long timeoutSeconds, int maxBytes,
        ExecOutputBudget budget) {
      throw new UnsupportedOperationException();
    }

    @Override
    public InteractiveExec execInteractive(String id, Path bundle, Path socketDir, List<String> command,
        boolean tty, TerminalSize size, boolean stdin, boolean stdout, boolean stderr) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void checkpoint(String id, Path imagePath, Path workPath, long timeoutSeconds) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }
}
