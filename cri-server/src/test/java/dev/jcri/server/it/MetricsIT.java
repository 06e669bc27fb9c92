package dev.jcri.server.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.LinuxPodSandboxConfig;
import dev.jcri.cri.v1.LinuxSandboxSecurityContext;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.image.testing.LocalRegistry;
import dev.jcri.server.JcriDaemon;
import dev.jcri.server.config.ConfigLoader;
import io.opentelemetry.api.OpenTelemetry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Prometheus endpoint, scraped as Prometheus would. */
class MetricsIT {

  @TempDir Path dir;

  @Test
  void metrics_countRpcsStartStepsPodsAndJvm() throws Exception {
    TestPaths paths = new TestPaths(dir.resolve("jcri"));
    int port = LocalRegistry.freePort();
    JcriDaemon daemon = JcriDaemon.start(ConfigLoader.fromToml(paths.toml("[metrics]\naddress = \"127.0.0.1:" + port
        + "\""), "test"), OpenTelemetry.noop());
    String pod = null;
    try (CriSocket client = new CriSocket(paths.socket())) {
      client.runtime().version(VersionRequest.getDefaultInstance());
      pod = client.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig.newBuilder()
          .setMetadata(PodSandboxMetadata.newBuilder().setName("m").setNamespace("t").setUid("u-m"))
          .setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
              .setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE))))).build())
          .getPodSandboxId();
      try {
        client.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId("ffff").build());
      } catch (io.grpc.StatusRuntimeException expected) {
        // NOT_FOUND, counted as an error
      }
      String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      for (String expected : List.of(
          "jcri_rpc_duration_seconds_count{code=\"OK\",method=\"Version\"} 1",
          "jcri_rpc_errors_total{code=\"NOT_FOUND\",method=\"PodSandboxStatus\"} 1",
          "jcri_start_step_duration_seconds_count{kind=\"pod\",step=\"namespaces\"} 1",
          "jcri_pods{state=\"ready\"} 1",
          "jvm_memory_used_bytes")) {
        assertTrue(text.contains(expected), expected + " in\n" + text.lines().filter(l -> l.startsWith("jcri"))
            .toList());
      }
      client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
    } finally {
      daemon.close();
      Sweeper.sweep(dir, pod == null ? List.of() : List.of(pod));
    }
  }
}
