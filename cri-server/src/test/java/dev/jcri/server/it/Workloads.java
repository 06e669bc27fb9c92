package dev.jcri.server.it;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatus;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.LinuxContainerConfig;
import dev.jcri.cri.v1.LinuxContainerSecurityContext;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pods and containers for integration tests: one image, logs under the test's directory, every pod made
 * recorded so the sweeper can find what a failed test left.
 */
final class Workloads {

  private final java.util.function.Supplier<CriSocket> clients;
  private final String image;
  private final Path dir;
  private final List<String> pods;
  private final AtomicInteger n = new AtomicInteger();

  /** @param clients the current client (a test that restarts jcri replaces it) */
  Workloads(java.util.function.Supplier<CriSocket> clients, String image, Path dir, List<String> pods) {
    this.clients = clients;
    this.image = image;
    this.dir = dir;
    this.pods = pods;
  }

  int next() {
    return n.incrementAndGet();
  }

  PodSandboxConfig.Builder podConfig(NamespaceMode pid) {
    String name = "p" + n.incrementAndGet();
    return PodSandboxConfig.newBuilder()
        .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("test").setUid("uid-" + name))
        .setHostname(name).setLogDirectory(dir.resolve("logs").resolve(name).toString())
        .setLinux(dev.jcri.cri.v1.LinuxPodSandboxConfig.newBuilder().setSecurityContext(
            dev.jcri.cri.v1.LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                NamespaceOption.newBuilder().setPid(pid))));
  }

  String runPod(PodSandboxConfig.Builder config, String handler) {
    String id = clients.get().runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config)
        .setRuntimeHandler(handler).build()).getPodSandboxId();
    pods.add(id);
    return id;
  }

  ContainerConfig.Builder ctr(String name, String... command) {
    return ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName(name))
        .setImage(ImageSpec.newBuilder().setImage(image)).addAllCommand(List.of(command)).setLogPath(name + ".log")
        .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
            .setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))));
  }

  String create(String pod, PodSandboxConfig.Builder podConfig, ContainerConfig.Builder c) {
    return clients.get().runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod).setConfig(c)
        .setSandboxConfig(podConfig).build()).getContainerId();
  }

  String run(String pod, PodSandboxConfig.Builder podConfig, ContainerConfig.Builder c) {
    String id = create(pod, podConfig, c);
    clients.get().runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    return id;
  }

  ContainerStatus status(String id) {
    return clients.get().runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus();
  }

  ExecSyncResponse exec(String id, String... cmd) {
    return clients.get().runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd))
        .setTimeout(TestTime.seconds(20)).build());
  }

  ContainerStatus awaitExit(String id) throws InterruptedException {
    for (long i = 0; i < 500 * TestTime.SLOWDOWN; i++) {
      ContainerStatus s = status(id);
      if (s.getState() == ContainerState.CONTAINER_EXITED) {
        return s;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("container " + id + " did not exit");
  }
}
