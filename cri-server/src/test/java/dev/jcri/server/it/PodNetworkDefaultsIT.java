package dev.jcri.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.LinuxPodSandboxConfig;
import dev.jcri.cri.v1.NetworkConfig;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.RuntimeConfig;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.UpdateRuntimeConfigRequest;
import dev.jcri.server.JcriDaemon;
import dev.jcri.server.config.ConfigLoader;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jcri's own default network on an empty CNI directory, following the pod CIDR kubelet sends; and the
 * spans a RunPodSandbox leaves: one per start step, children of the RPC's span.
 */
class PodNetworkDefaultsIT {

  /** The test's default bridge: never the jcri0 of a jcri the node may run. */
  static final String BRIDGE = "jcrit" + ProcessHandle.current().pid() % 100000;

  @TempDir Path dir;

  @Test
  void emptyConfDir_getsTheDefaultNetwork_onThePodCidr_andStepsAreTraced() throws Exception {
    TestPaths paths = new TestPaths(dir.resolve("jcri"));
    // The test's own bridge (and so network name) keeps it apart from the jcri0 of a jcri the node runs.
    String toml = paths.toml("").replace("default_network = false", "default_network = true\ndefault_bridge = \""
        + BRIDGE + "\"");
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
        .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
    JcriDaemon daemon = JcriDaemon.start(ConfigLoader.fromToml(toml, "test"), otel);
    Path conflist = paths.cniConfDir().resolve("10-jcri.conflist");
    String pod = null;
    try (CriSocket client = new CriSocket(paths.socket())) {
      assertTrue(Files.readString(conflist).contains("10.88.0.0/16"), "the default subnet before kubelet speaks");
      assertTrue(client.runtime().status(StatusRequest.getDefaultInstance()).getStatus().getConditionsList().stream()
          .allMatch(c -> c.getStatus()), "NetworkReady once the default network is installed");

      client.runtime().updateRuntimeConfig(UpdateRuntimeConfigRequest.newBuilder().setRuntimeConfig(
          RuntimeConfig.newBuilder().setNetworkConfig(NetworkConfig.newBuilder()
              .setPodCidr("10.124.7.0/24,fd00:124:7::/64"))).build());
      String conf = Files.readString(conflist);
      assertTrue(conf.contains("\"subnet\": \"10.124.7.0/24\""), conf);

      // Run one pod on the default network to see the CIDR honoured.
      pod = client.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig.newBuilder()
          .setMetadata(PodSandboxMetadata.newBuilder().setName("dflt").setNamespace("t").setUid("u-dflt"))
          .setLinux(LinuxPodSandboxConfig.getDefaultInstance())).build()).getPodSandboxId();
      String ip = client.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod)
          .build()).getStatus().getNetwork().getIp();
      assertTrue(ip.startsWith("10.124.7."), ip);

      List<SpanData> finished = spans.getFinishedSpanItems();
      SpanData rpc = finished.stream().filter(s -> s.getName().equals("runtime.v1.RuntimeService/RunPodSandbox"))
          .findFirst().orElseThrow();
      List<String> steps = finished.stream().filter(s -> s.getParentSpanId().equals(rpc.getSpanId()))
          .map(SpanData::getName).toList();
      assertEquals(List.of("pod_files", "shm", "namespaces", "cni_add", "hosts_file"),
          steps.stream().filter(n -> !n.equals("infra") && !n.equals("cgroup")).toList());
      SpanData infra = finished.stream().filter(s -> s.getName().equals("infra")
          && s.getParentSpanId().equals(rpc.getSpanId())).findFirst().orElseThrow();
      SpanData cni = finished.stream().filter(s -> s.getName().equals("cni_add")
          && s.getParentSpanId().equals(rpc.getSpanId())).findFirst().orElseThrow();
      assertTrue(infra.getStartEpochNanos() < cni.getEndEpochNanos() && cni.getStartEpochNanos() < infra.getEndEpochNanos(),
          "the infra of a PID-sharing pod starts beside the CNI ADD");
      SpanData cgroup = finished.stream().filter(s -> s.getName().equals("cgroup")
          && s.getParentSpanId().equals(rpc.getSpanId())).findFirst().orElseThrow();
      SpanData files = finished.stream().filter(s -> s.getName().equals("pod_files")
          && s.getParentSpanId().equals(rpc.getSpanId())).findFirst().orElseThrow();
      assertTrue(cgroup.getStartEpochNanos() <= files.getStartEpochNanos()
          && cgroup.getEndEpochNanos() <= cni.getStartEpochNanos() && cgroup.getEndEpochNanos() <= infra.getStartEpochNanos(),
          "the cgroup is made beside the pod's files and namespaces, before the network and the infra");

      // A pull and a CreateContainer leave their trees too: download and unpack under the pull, the create steps
      // under the RPC.
      try (var registry = dev.jcri.image.testing.LocalRegistry.start(dir.resolve("registry"))) {
        new dev.jcri.image.testing.RegistryPusher(registry).push("t/busybox", "1",
            new dev.jcri.image.testing.TestImage().busyboxLayer().cmd("/bin/sleep", "3600").build());
        String image = registry.host() + "/t/busybox:1";
        client.images().pullImage(dev.jcri.cri.v1.PullImageRequest.newBuilder().setImage(
            dev.jcri.cri.v1.ImageSpec.newBuilder().setImage(image)).build());
        client.runtime().createContainer(dev.jcri.cri.v1.CreateContainerRequest.newBuilder().setPodSandboxId(pod)
            .setConfig(dev.jcri.cri.v1.ContainerConfig.newBuilder()
                .setMetadata(dev.jcri.cri.v1.ContainerMetadata.newBuilder().setName("traced"))
                .setImage(dev.jcri.cri.v1.ImageSpec.newBuilder().setImage(image)).setLogPath("traced.log"))
            .setSandboxConfig(PodSandboxConfig.newBuilder().setLogDirectory(dir.resolve("logs").toString()))
            .build());
      }
      List<SpanData> all = spans.getFinishedSpanItems();
      SpanData create = all.stream().filter(s -> s.getName().equals("runtime.v1.RuntimeService/CreateContainer"))
          .findFirst().orElseThrow();
      assertEquals(List.of("rootfs", "infra", "spec", "conmon_create"), all.stream()
          .filter(s -> s.getParentSpanId().equals(create.getSpanId())).map(SpanData::getName).toList());
      SpanData pullRpc = all.stream().filter(s -> s.getName().equals("runtime.v1.ImageService/PullImage"))
          .findFirst().orElseThrow();
      List<SpanData> underPull = all.stream().filter(s -> s.getTraceId().equals(pullRpc.getTraceId())
          && !s.getSpanId().equals(pullRpc.getSpanId())).toList();
      assertTrue(underPull.stream().anyMatch(s -> s.getName().contains("download"))
          && underPull.stream().anyMatch(s -> s.getName().contains("unpack")), underPull.stream()
          .map(SpanData::getName).toList().toString());
      client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
    } finally {
      daemon.close();
      PodNetworkFixture.run("ip", "link", "del", BRIDGE);
      // host-local's addresses of the test's network.
      Path ipam = Path.of("/var/lib/cni/networks", BRIDGE);
      if (Files.isDirectory(ipam)) {
        try (var files = Files.walk(ipam)) {
          for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(f);
          }
        }
      }
      Sweeper.sweep(dir, pod == null ? List.of() : List.of(pod));
    }
  }
}
