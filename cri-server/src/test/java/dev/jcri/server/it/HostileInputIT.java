package dev.jcri.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.Mount;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.image.testing.LocalRegistry;
import dev.jcri.image.testing.TestImage;
import dev.jcri.server.JcriDaemon;
import dev.jcri.server.config.ConfigLoader;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile requests get a clear status and change nothing. */
class HostileInputIT {

  @TempDir static Path dir;
  static JcriFixture fixture;
  static LocalRegistry registry;
  static TestPaths paths;
  static CriSocket client;
  static String image;
  static String pod;
  static PodSandboxConfig podConfig;
  /** Where a symlink in the test image points: a host path no container may reach. */
  static final String OUTSIDE = "/tmp/jcri-escape-" + ProcessHandle.current().pid();

  @BeforeAll
  static void start() throws Exception {
    fixture = JcriFixture.start(dir, new TestImage().busyboxLayer()
        .layer(TestImage.Compression.GZIP, t -> t.symlink("escape", "../../../../../../../../" + OUTSIDE.substring(1))));
    registry = fixture.registry;
    paths = fixture.paths;
    client = fixture.client;
    image = fixture.image;
    podConfig = PodSandboxConfig.newBuilder()
        .setMetadata(PodSandboxMetadata.newBuilder().setName("target").setNamespace("h").setUid("u-target"))
        .setLogDirectory(dir.resolve("logs").toString()).build();
    pod = client.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(podConfig).build())
        .getPodSandboxId();
    fixture.pods.add(pod);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  static void assertRefused(Status.Code code, String fragment, Supplier<?> call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::get);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(e.getStatus().getDescription().contains(fragment), e.getStatus().getDescription());
  }

  static ContainerConfig.Builder ctr(String name) {
    return ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName(name))
        .setImage(ImageSpec.newBuilder().setImage(image)).addCommand("sleep").addCommand("60");
  }

  static String create(ContainerConfig.Builder c) {
    return client.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod).setConfig(c)
        .setSandboxConfig(podConfig).build()).getContainerId();
  }

  /**
   * Reading with a malformed id is refused; stopping and removing one succeeds and touches nothing (kubelet and
   * critest's Idempotence specs stop and remove ids such as UUIDs that no runtime made).
   */
  @Test
  void ids_withPathsNulOrMegabytes_areInvalidToRead_andNothingToStopOrRemove() {
    for (String id : List.of("../../etc/passwd", "abc/def", "abc\0def", "a".repeat(1 << 20) + "g",
        "6d0b5b4e-2b9c-4d8e-9d2a-5c3f0e1a7b99")) {
      assertRefused(Status.Code.INVALID_ARGUMENT, "hexadecimal", () -> client.runtime().podSandboxStatus(
          PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build()));
      assertRefused(Status.Code.INVALID_ARGUMENT, "hexadecimal", () -> client.runtime().containerStatus(
          ContainerStatusRequest.newBuilder().setContainerId(id).build()));
      client.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).build());
      client.runtime().removeContainer(dev.jcri.cri.v1.RemoveContainerRequest.newBuilder().setContainerId(id).build());
      client.runtime().stopPodSandbox(dev.jcri.cri.v1.StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }
    assertEquals(1, client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount(),
        "the test's pod is untouched");
  }

  @Test
  void podMetadataAndLogDirectory_mustBeSane() {
    assertRefused(Status.Code.INVALID_ARGUMENT, "log_directory", () -> client.runtime().runPodSandbox(
        RunPodSandboxRequest.newBuilder().setConfig(podConfig.toBuilder().setLogDirectory("relative/logs")
            .setMetadata(PodSandboxMetadata.newBuilder().setName("x").setNamespace("h").setUid("u-x"))).build()));
    assertRefused(Status.Code.INVALID_ARGUMENT, "log_directory", () -> client.runtime().runPodSandbox(
        RunPodSandboxRequest.newBuilder().setConfig(podConfig.toBuilder().setLogDirectory("/var/log/../../etc")
            .setMetadata(PodSandboxMetadata.newBuilder().setName("y").setNamespace("h").setUid("u-y"))).build()));
    assertRefused(Status.Code.INVALID_ARGUMENT, "253", () -> client.runtime().runPodSandbox(
        RunPodSandboxRequest.newBuilder().setConfig(podConfig.toBuilder()
            .setMetadata(PodSandboxMetadata.newBuilder().setName("n".repeat(100_000)).setNamespace("h")
                .setUid("u-z"))).build()));
    assertEquals(1, client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount());
  }

  @Test
  void containerPathsThatEscape_areRefusedAndLeaveNothing() throws Exception {
    assertRefused(Status.Code.INVALID_ARGUMENT, "leaves the pod's log directory",
        () -> create(ctr("log").setLogPath("../../../etc/evil.log")));
    assertFalse(Files.exists(Path.of("/etc/evil.log")));
    assertRefused(Status.Code.INVALID_ARGUMENT, "/proc/self/fd", () -> create(ctr("cwd").setWorkingDir("/proc/self/fd/7")));
    assertRefused(Status.Code.INVALID_ARGUMENT, "mount target", () -> create(ctr("mnt").addMounts(
        Mount.newBuilder().setContainerPath("/data/../../etc").setHostPath(dir.toString()))));
    assertRefused(Status.Code.INVALID_ARGUMENT, "absolute host path", () -> create(ctr("src").addMounts(
        Mount.newBuilder().setContainerPath("/data").setHostPath("relative/dir"))));
    assertRefused(Status.Code.INVALID_ARGUMENT, "container name", () -> create(ctr("a/b")));
    assertRefused(Status.Code.INVALID_ARGUMENT, "unknown capability", () -> create(ctr("cap").setLinux(
        dev.jcri.cri.v1.LinuxContainerConfig.newBuilder().setSecurityContext(
            dev.jcri.cri.v1.LinuxContainerSecurityContext.newBuilder().setCapabilities(
                dev.jcri.cri.v1.Capability.newBuilder().addAddCapabilities("CAP_EVERYTHING"))))));
    assertRefused(Status.Code.NOT_FOUND, "pull it first", () -> create(ctr("img").setImage(
        ImageSpec.newBuilder().setImage(registry.host() + "/h/absent:1"))));
    assertEquals(0, client.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount());
    try (var bundles = Files.list(paths.state().resolve("containers"))) {
      assertEquals(0, bundles.count(), "no half-made container bundle");
    }
    assertEquals(List.of(), Files.readAllLines(Path.of("/proc/self/mounts")).stream()
        .filter(m -> m.contains(paths.state().resolve("containers").toString())).toList());
  }

  @Test
  void unknownEnumValues_areInvalidNotGuessed() {
    assertRefused(Status.Code.INVALID_ARGUMENT, "unknown namespace mode", () -> client.runtime().runPodSandbox(
        RunPodSandboxRequest.newBuilder().setConfig(podConfig.toBuilder()
            .setMetadata(PodSandboxMetadata.newBuilder().setName("e1").setNamespace("h").setUid("u-e1"))
            .setLinux(dev.jcri.cri.v1.LinuxPodSandboxConfig.newBuilder().setSecurityContext(
                dev.jcri.cri.v1.LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                    dev.jcri.cri.v1.NamespaceOption.newBuilder().setNetworkValue(42))))).build()));
    assertRefused(Status.Code.INVALID_ARGUMENT, "unknown port mapping protocol", () -> client.runtime()
        .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(podConfig.toBuilder()
            .setMetadata(PodSandboxMetadata.newBuilder().setName("e2").setNamespace("h").setUid("u-e2"))
            .addPortMappings(dev.jcri.cri.v1.PortMapping.newBuilder().setContainerPort(80).setHostPort(18080)
                .setProtocolValue(7))).build()));
    assertRefused(Status.Code.INVALID_ARGUMENT, "unknown propagation", () -> create(ctr("prop").addMounts(
        Mount.newBuilder().setContainerPath("/data").setHostPath(dir.toString()).setPropagationValue(9))));
    assertRefused(Status.Code.INVALID_ARGUMENT, "unknown seccomp profile type", () -> create(ctr("sec").setLinux(
        dev.jcri.cri.v1.LinuxContainerConfig.newBuilder().setSecurityContext(
            dev.jcri.cri.v1.LinuxContainerSecurityContext.newBuilder().setSeccomp(
                dev.jcri.cri.v1.SecurityProfile.newBuilder().setProfileTypeValue(5))))));
    assertEquals(1, client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount());
    assertEquals(0, client.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount());
  }

  /** Fields that end up in a file or a path on the node: nothing of them leaves its place. */
  @Test
  void fieldsThatReachHostFiles_areRefused() throws Exception {
    assertRefused(Status.Code.INVALID_ARGUMENT, "DNS search domain", () -> client.runtime().runPodSandbox(
        RunPodSandboxRequest.newBuilder().setConfig(podConfig.toBuilder()
            .setMetadata(PodSandboxMetadata.newBuilder().setName("dns").setNamespace("h").setUid("u-dns"))
            .setDnsConfig(dev.jcri.cri.v1.DNSConfig.newBuilder().addServers("10.96.0.10")
                .addSearches("svc.cluster.local\nnameserver 6.6.6.6"))).build()));
    assertRefused(Status.Code.FAILED_PRECONDITION, "SELinux", () -> client.runtime().runPodSandbox(
        RunPodSandboxRequest.newBuilder().setConfig(podConfig.toBuilder()
            .setMetadata(PodSandboxMetadata.newBuilder().setName("se").setNamespace("h").setUid("u-se"))
            .setLinux(dev.jcri.cri.v1.LinuxPodSandboxConfig.newBuilder().setSecurityContext(
                dev.jcri.cri.v1.LinuxSandboxSecurityContext.newBuilder().setSelinuxOptions(
                    dev.jcri.cri.v1.SELinuxOption.newBuilder().setType("spc_t"))))).build()));
    assertEquals(1, client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount());
    assertRefused(Status.Code.FAILED_PRECONDITION, "SELinux", () -> create(ctr("se").setLinux(
        dev.jcri.cri.v1.LinuxContainerConfig.newBuilder().setSecurityContext(
            dev.jcri.cri.v1.LinuxContainerSecurityContext.newBuilder().setSelinuxOptions(
                dev.jcri.cri.v1.SELinuxOption.newBuilder().setLevel("s0:c1,c2"))))));
    String id = create(ctr("unified"));
    try {
      Path outside = Path.of(OUTSIDE + "-cgroup");
      for (String key : List.of("../../../../../../../.." + outside, outside.toString(), "cgroup.procs")) {
        assertRefused(Status.Code.INVALID_ARGUMENT, "unified resource", () -> client.runtime()
            .updateContainerResources(dev.jcri.cri.v1.UpdateContainerResourcesRequest.newBuilder().setContainerId(id)
                .setLinux(dev.jcri.cri.v1.LinuxContainerResources.newBuilder().putUnified(key, "1")).build()));
      }
      assertFalse(Files.exists(outside), "nothing was written outside the cgroup");
    } finally {
      client.runtime().removeContainer(dev.jcri.cri.v1.RemoveContainerRequest.newBuilder().setContainerId(id).build());
    }
  }

  @Test
  void devicesOutsideDev_areRefusedAndLeaveNothing() {
    for (String host : List.of("/etc/shadow", "/dev/../etc/shadow", "/dev/stdin")) {
      assertRefused(Status.Code.INVALID_ARGUMENT, "device host path", () -> create(ctr("dev").addDevices(
          dev.jcri.cri.v1.Device.newBuilder().setHostPath(host).setContainerPath("/dev/x").setPermissions("r"))));
    }
    assertEquals(0, client.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount());
  }

  /** A conmon that dies without reporting fails the create at once, with what it said, and leaves nothing. */
  @Test
  void conmonThatDiesWithoutReporting_failsPromptly() throws Exception {
    Path fake = dir.resolve("fake-conmon");
    Files.writeString(fake, "#!/bin/sh\necho 'fake conmon gave up' >&2\nexit 3\n");
    Files.setPosixFilePermissions(fake, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    TestPaths other = new TestPaths(dir.resolve("jcri-bad-conmon"));
    JcriDaemon d = JcriDaemon.start(ConfigLoader.fromToml(other.toml("conmon = \"" + fake + "\""), "test"),
        OpenTelemetry.noop());
    String hostPod = null;
    try (CriSocket c = new CriSocket(other.socket())) {
      c.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
      PodSandboxConfig hostNet = PodSandboxConfig.newBuilder()
          .setMetadata(PodSandboxMetadata.newBuilder().setName("badconmon").setNamespace("h").setUid("u-bc"))
          .setLogDirectory(dir.resolve("logs-bc").toString())
          .setLinux(dev.jcri.cri.v1.LinuxPodSandboxConfig.newBuilder().setSecurityContext(
              dev.jcri.cri.v1.LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                  dev.jcri.cri.v1.NamespaceOption.newBuilder().setNetwork(dev.jcri.cri.v1.NamespaceMode.NODE)
                      .setPid(dev.jcri.cri.v1.NamespaceMode.CONTAINER)))).build();
      hostPod = c.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(hostNet).build())
          .getPodSandboxId();
      String p = hostPod;
      long t0 = System.nanoTime();
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> c.runtime().createContainer(
          CreateContainerRequest.newBuilder().setPodSandboxId(p).setConfig(ctr("c")).setSandboxConfig(hostNet)
              .build()));
      assertTrue((System.nanoTime() - t0) / 1_000_000 < 10_000, "the create waited for a conmon long gone");
      assertEquals(Status.Code.INTERNAL, e.getStatus().getCode(), "a dead helper is INTERNAL: " + e.getStatus());
      assertTrue(e.getStatus().getDescription().contains("fake conmon gave up"), e.getStatus().getDescription());
      assertEquals(0, c.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount());
      assertTrue(MountTable.under(other.state().resolve("containers")).isEmpty(), "no rootfs left mounted");
      c.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(hostPod).build());
    } finally {
      d.close();
      Sweeper.sweep(dir.resolve("jcri-bad-conmon"), hostPod == null ? List.of() : List.of(hostPod));
    }
  }

  /** An AppArmor profile jcri cannot apply is refused, never silently dropped; Unconfined is fine. */
  @Test
  @SuppressWarnings("deprecation")
  void appArmorProfiles_areRefusedNotDropped() {
    java.util.function.Function<dev.jcri.cri.v1.LinuxContainerSecurityContext.Builder, ContainerConfig.Builder> with =
        sc -> ctr("aa").setLinux(dev.jcri.cri.v1.LinuxContainerConfig.newBuilder().setSecurityContext(sc));
    assertRefused(Status.Code.FAILED_PRECONDITION, "AppArmor profile RuntimeDefault", () -> create(with.apply(
        dev.jcri.cri.v1.LinuxContainerSecurityContext.newBuilder().setApparmor(
            dev.jcri.cri.v1.SecurityProfile.newBuilder().setProfileType(
                dev.jcri.cri.v1.SecurityProfile.ProfileType.RuntimeDefault)))));
    assertRefused(Status.Code.FAILED_PRECONDITION, "AppArmor profile Localhost k8s-nginx", () -> create(with.apply(
        dev.jcri.cri.v1.LinuxContainerSecurityContext.newBuilder().setApparmor(
            dev.jcri.cri.v1.SecurityProfile.newBuilder().setProfileType(
                dev.jcri.cri.v1.SecurityProfile.ProfileType.Localhost).setLocalhostRef("k8s-nginx")))));
    assertRefused(Status.Code.FAILED_PRECONDITION, "AppArmor profile localhost/x", () -> create(with.apply(
        dev.jcri.cri.v1.LinuxContainerSecurityContext.newBuilder().setApparmorProfile("localhost/x"))));
    assertEquals(0, client.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount());
    String id = create(with.apply(dev.jcri.cri.v1.LinuxContainerSecurityContext.newBuilder().setApparmor(
        dev.jcri.cri.v1.SecurityProfile.newBuilder().setProfileType(
            dev.jcri.cri.v1.SecurityProfile.ProfileType.Unconfined))));
    client.runtime().removeContainer(dev.jcri.cri.v1.RemoveContainerRequest.newBuilder().setContainerId(id).build());
  }

  @Test
  void mountTargetThroughASymlinkInTheImage_staysInsideTheContainer() throws Exception {
    String id = null;
    try {
      id = create(ctr("symlink").addMounts(Mount.newBuilder().setContainerPath("/escape/data")
          .setHostPath(dir.toString()).setReadonly(true)));
      client.runtime().startContainer(dev.jcri.cri.v1.StartContainerRequest.newBuilder().setContainerId(id).build());
    } catch (StatusRuntimeException refused) {
      // refusing is as good as keeping it inside (crun resolves the target in the root and finds nothing)
      assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode(), refused.getStatus().toString());
    }
    assertFalse(Files.exists(Path.of(OUTSIDE)), "nothing was made on the host through the image's symlink");
    assertEquals(List.of(), Files.readAllLines(Path.of("/proc/self/mounts")).stream()
        .filter(m -> m.contains(OUTSIDE)).toList(), "no mount on the host through the image's symlink");
    if (id != null) {
      client.runtime().removeContainer(dev.jcri.cri.v1.RemoveContainerRequest.newBuilder().setContainerId(id)
          .build());
    }
    assertEquals(0, client.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount());
  }
}
