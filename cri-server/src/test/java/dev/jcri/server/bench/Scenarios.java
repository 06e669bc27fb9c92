package dev.jcri.server.bench;

import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.LinuxContainerConfig;
import dev.jcri.cri.v1.LinuxContainerSecurityContext;
import dev.jcri.cri.v1.LinuxPodSandboxConfig;
import dev.jcri.cri.v1.LinuxSandboxSecurityContext;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** The same CRI calls against either runtime, timed from the client (the generated gRPC client). */
final class Scenarios {

  private final BenchedRuntime rt;
  private final String image;
  private final Path logs;
  private final AtomicInteger n = new AtomicInteger();

  Scenarios(BenchedRuntime rt, String image, Path logs) {
    this.rt = rt;
    this.image = image;
    this.logs = logs;
  }

  /**
   * What kubelet sends for a pod that does not ask for shared PIDs (shareProcessNamespace unset): network
   * and IPC of the pod, each container its own PID namespace.
   */
  private static final NamespaceOption KUBELET_NAMESPACES = NamespaceOption.newBuilder()
      .setNetwork(NamespaceMode.POD).setIpc(NamespaceMode.POD).setPid(NamespaceMode.CONTAINER).build();

  /**
   * What kubelet sends for a pod with shareProcessNamespace: true (crictl's default too): one PID namespace for
   * the pod, which its infra process holds.
   */
  private static final NamespaceOption SHARED_PID_NAMESPACES = KUBELET_NAMESPACES.toBuilder()
      .setPid(NamespaceMode.POD).build();

  PodSandboxConfig pod() {
    return pod(false);
  }

  PodSandboxConfig pod(boolean sharedPid) {
    String name = rt.name + "-p" + n.incrementAndGet();
    return PodSandboxConfig.newBuilder()
        .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("bench").setUid("uid-" + name))
        .setHostname(name).setLogDirectory(logs.resolve(name).toString())
        .setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
            .setNamespaceOptions(sharedPid ? SHARED_PID_NAMESPACES : KUBELET_NAMESPACES))).build();
  }

  String runPod(PodSandboxConfig config) {
    return rt.client.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
        .getPodSandboxId();
  }

  String createAndStart(String pod, PodSandboxConfig config) {
    String id = rt.client.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod)
        .setSandboxConfig(config).setConfig(ContainerConfig.newBuilder()
            .setMetadata(ContainerMetadata.newBuilder().setName("c" + n.incrementAndGet()))
            .setImage(ImageSpec.newBuilder().setImage(image)).addCommand("/bin/sleep").addCommand("3600")
            .setLogPath("c.log").setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(
                    config.getLinux().getSecurityContext().getNamespaceOptions())))).build())
        .getContainerId();
    rt.client.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    return id;
  }

  void removeAllPods() {
    for (var p : rt.client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
      rt.client.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
      rt.client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
    }
  }

  void pull(String ref) {
    rt.client.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
  }

  /** RunPodSandbox, one after another; each pod removed before the next (untimed). */
  void podRuns(int count, Samples s) throws Exception {
    podRuns(count, false, s);
  }

  void podRuns(int count, boolean sharedPid, Samples s) throws Exception {
    for (int i = 0; i < count; i++) {
      PodSandboxConfig c = pod(sharedPid);
      s.time(() -> runPod(c));
      removeAllPods();
    }
  }

  /** CreateContainer + StartContainer in one pod, one after another. */
  void createStarts(int count, Samples s) throws Exception {
    createStarts(count, false, s);
  }

  void createStarts(int count, boolean sharedPid, Samples s) throws Exception {
    PodSandboxConfig c = pod(sharedPid);
    String pod = runPod(c);
    for (int i = 0; i < count; i++) {
      s.time(() -> createAndStart(pod, c));
    }
    removeAllPods();
  }

  /** {@code count} pods with a container each, {@code parallel} at a time: each one's latency, and the wall time. */
  void burst(int count, int parallel, Samples each, Samples wall) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    try {
      long t0 = System.nanoTime();
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        fs.add(pool.submit(() -> each.time(() -> {
          PodSandboxConfig c = pod();
          return createAndStart(runPod(c), c);
        })));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      wall.add((System.nanoTime() - t0) / 1e6);
    } finally {
      pool.shutdown();
    }
  }

  /** ExecSync of {@code true} in a running container. */
  void execSyncs(int count, Samples s) throws Exception {
    PodSandboxConfig c = pod();
    String ctr = createAndStart(runPod(c), c);
    for (int i = 0; i < count; i++) {
      s.time(() -> rt.client.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(ctr).addCmd("true")
          .setTimeout(30).build()));
    }
    removeAllPods();
  }

  /**
   * Pull and unpack of {@code ref}, which this runtime does not hold yet. Nothing is removed between pulls:
   * this node's ext4 runs without a journal, and there a file created within a minute of a mass deletion in
   * the same block group costs 10-20x more (the inode allocator skips every recently deleted inode, one
   * buffer lookup each), so a removal before a pull would time the last deletion rather than the pull.
   */
  void pull(String ref, Samples s) throws Exception {
    // What the other runtime left to write back goes to disk first, untimed.
    new ProcessBuilder("sync").start().waitFor();
    s.time(() -> {
      pull(ref);
      return null;
    });
  }

}
