package dev.jcri.server.cli;

import dev.jcri.cri.v1.ImageFsInfoRequest;
import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.LinuxPodSandboxConfig;
import dev.jcri.cri.v1.LinuxSandboxSecurityContext;
import dev.jcri.cri.v1.ListContainerStatsRequest;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.ListPodSandboxStatsRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.RuntimeConfigRequest;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.cri.v1.VersionRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code jcri aot-train <socket> <log dir>}: the calls kubelet makes first after a node starts, sent to a jcri
 * that is writing its ahead-of-time cache (make build, make dist), so that the cache holds the classes and
 * profiles of a pod's start too, not only of jcri's own start: the first RunPodSandbox after a restart then
 * runs on loaded, linked classes. Pods on the node's network and with their own PID namespace or one shared
 * by the pod, each stopped and removed again. Best effort: a call that fails is reported and the rest go on.
 */
public final class TrainCommand {

  private TrainCommand() {}

  public static int run(Path socket, Path logDir, PrintStream out) {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext().build();
    int failed = 0;
    try {
      var rt = RuntimeServiceGrpc.newBlockingStub(channel);
      var images = ImageServiceGrpc.newBlockingStub(channel);
      for (int round = 0; round < 3; round++) {
        failed += call(out, "Version", () -> rt.version(VersionRequest.getDefaultInstance()));
        failed += call(out, "Status", () -> rt.status(StatusRequest.newBuilder().setVerbose(true).build()));
        failed += call(out, "RuntimeConfig", () -> rt.runtimeConfig(RuntimeConfigRequest.getDefaultInstance()));
        failed += call(out, "ImageFsInfo", () -> images.imageFsInfo(ImageFsInfoRequest.getDefaultInstance()));
        failed += call(out, "ListImages", () -> images.listImages(ListImagesRequest.getDefaultInstance()));
        for (NamespaceMode network : new NamespaceMode[] {NamespaceMode.POD, NamespaceMode.NODE}) {
          for (NamespaceMode pid : new NamespaceMode[] {NamespaceMode.CONTAINER, NamespaceMode.POD}) {
            String name = "aot-train-" + round + "-" + network.name().toLowerCase(Locale.ROOT) + "-"
                + pid.name().toLowerCase(Locale.ROOT);
            PodSandboxConfig config = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("jcri-aot-train")
                    .setUid("uid-" + name))
                .setHostname(name).setLogDirectory(logDir.resolve(name).toString())
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent("/jcri-aot-train/" + name)
                    .setSecurityContext(LinuxSandboxSecurityContext
                    .newBuilder().setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(network)
                        .setIpc(NamespaceMode.POD).setPid(pid))))
                .build();
            String[] id = {""};
            failed += call(out, "RunPodSandbox", () -> id[0] = rt.runPodSandbox(RunPodSandboxRequest.newBuilder()
                .setConfig(config).build()).getPodSandboxId());
            if (id[0].isEmpty()) {
              continue;
            }
            failed += call(out, "PodSandboxStatus", () -> rt.podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                .setPodSandboxId(id[0]).setVerbose(true).build()));
            failed += call(out, "ListPodSandbox", () -> rt.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()));
            failed += call(out, "ListContainers", () -> rt.listContainers(ListContainersRequest.getDefaultInstance()));
            failed += call(out, "ListPodSandboxStats", () -> rt.listPodSandboxStats(
                ListPodSandboxStatsRequest.getDefaultInstance()));
            failed += call(out, "ListContainerStats", () -> rt.listContainerStats(
                ListContainerStatsRequest.getDefaultInstance()));
            failed += call(out, "StopPodSandbox", () -> rt.stopPodSandbox(StopPodSandboxRequest.newBuilder()
                .setPodSandboxId(id[0]).build()));
            failed += call(out, "RemovePodSandbox", () -> rt.removePodSandbox(RemovePodSandboxRequest.newBuilder()
                .setPodSandboxId(id[0]).build()));
          }
        }
      }
      // Whatever a failed call left: this jcri's state is scratch, so every pod in it goes.
      try {
        for (var pod : rt.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
          failed += call(out, "StopPodSandbox", () -> rt.stopPodSandbox(StopPodSandboxRequest.newBuilder()
              .setPodSandboxId(pod.getId()).build()));
          failed += call(out, "RemovePodSandbox", () -> rt.removePodSandbox(RemovePodSandboxRequest.newBuilder()
              .setPodSandboxId(pod.getId()).build()));
        }
      } catch (StatusRuntimeException e) {
        out.println("aot-train: ListPodSandbox failed: " + e.getStatus());
      }
    } finally {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    out.println("aot-train: done, " + failed + " calls failed");
    return 0;
  }

  private static int call(PrintStream out, String what, Runnable call) {
    try {
      call.run();
      return 0;
    } catch (StatusRuntimeException e) {
      out.println("aot-train: " + what + " failed: " + e.getStatus());
      return 1;
    }
  }
}
