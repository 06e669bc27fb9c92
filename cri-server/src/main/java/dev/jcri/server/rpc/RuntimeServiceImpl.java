package dev.jcri.server.rpc;

import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.sandbox.PodTeardown;
import dev.jcri.sandbox.container.ContainerManager;
import dev.jcri.sandbox.pod.PodSandboxManager;
import dev.jcri.sandbox.stats.StatsCollector;
import dev.jcri.server.stream.StreamServer;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;

/**
 * The RuntimeService edge: each RPC bound once, to the class that serves it; each streaming list RPC pages what
 * its list RPC answers. RPCs not built (CheckpointPod, RestorePod) answer UNIMPLEMENTED naming the method.
 */
public final class RuntimeServiceImpl implements BindableService {

  private final ServerServiceDefinition definition;

  public RuntimeServiceImpl(VersionRpc version, StatusRpc status, UpdateRuntimeConfigRpc updateRuntimeConfig,
      RuntimeConfigRpc runtimeConfig, PodSandboxManager pods, ContainerManager containers, StatsCollector stats,
      String mountpoint,
      StreamServer streams) {
    PodTeardown teardown = new PodTeardown(pods, containers);
    PodRpcs.ListPods listPods = new PodRpcs.ListPods(pods);
    PodRpcs.ListStats listPodStats = new PodRpcs.ListStats(pods, stats);
    ContainerRpcs.ListAll listContainers = new ContainerRpcs.ListAll(containers);
    ContainerRpcs.ListStats listContainerStats = new ContainerRpcs.ListStats(containers, stats, mountpoint);
    MetricsRpcs.PodMetrics podMetrics = new MetricsRpcs.PodMetrics(pods, containers);
    this.definition = new ServiceTable(RuntimeServiceGrpc.getServiceDescriptor())
        .unary(RuntimeServiceGrpc.getVersionMethod(), version)
        .unary(RuntimeServiceGrpc.getStatusMethod(), status)
        .unary(RuntimeServiceGrpc.getUpdateRuntimeConfigMethod(), updateRuntimeConfig)
        .unary(RuntimeServiceGrpc.getRuntimeConfigMethod(), runtimeConfig)
        .unary(RuntimeServiceGrpc.getRunPodSandboxMethod(), new PodRpcs.Run(pods))
        .unary(RuntimeServiceGrpc.getStopPodSandboxMethod(), new PodRpcs.Stop(teardown))
        .unary(RuntimeServiceGrpc.getRemovePodSandboxMethod(), new PodRpcs.Remove(teardown))
        .unary(RuntimeServiceGrpc.getPodSandboxStatusMethod(), new PodRpcs.Status(pods))
        .unary(RuntimeServiceGrpc.getListPodSandboxMethod(), listPods)
        .serverStreaming(RuntimeServiceGrpc.getStreamPodSandboxesMethod(), new ListStreamRpcs.PodSandboxes(listPods))
        .unary(RuntimeServiceGrpc.getPodSandboxStatsMethod(), new PodRpcs.Stats(pods))
        .unary(RuntimeServiceGrpc.getListPodSandboxStatsMethod(), listPodStats)
        .serverStreaming(RuntimeServiceGrpc.getStreamPodSandboxStatsMethod(),
            new ListStreamRpcs.PodSandboxStats(listPodStats))
        .unary(RuntimeServiceGrpc.getUpdatePodSandboxResourcesMethod(), new PodRpcs.UpdateResources(pods))
        .unary(RuntimeServiceGrpc.getCreateContainerMethod(), new ContainerRpcs.Create(containers))
        .unary(RuntimeServiceGrpc.getStartContainerMethod(), new ContainerRpcs.Start(containers))
        .unary(RuntimeServiceGrpc.getStopContainerMethod(), new ContainerRpcs.Stop(containers))
        .unary(RuntimeServiceGrpc.getRemoveContainerMethod(), new ContainerRpcs.Remove(containers))
        .unary(RuntimeServiceGrpc.getListContainersMethod(), listContainers)
        .serverStreaming(RuntimeServiceGrpc.getStreamContainersMethod(), new ListStreamRpcs.Containers(listContainers))
        .unary(RuntimeServiceGrpc.getContainerStatusMethod(), new ContainerRpcs.Status(containers))
        .unaryServing(RuntimeServiceGrpc.getExecSyncMethod(), new ContainerRpcs.Exec(containers)::serve)
        .unary(RuntimeServiceGrpc.getReopenContainerLogMethod(), new ContainerRpcs.ReopenLog(containers))
        .unary(RuntimeServiceGrpc.getContainerStatsMethod(), new ContainerRpcs.Stats(containers, mountpoint))
        .unary(RuntimeServiceGrpc.getListContainerStatsMethod(), listContainerStats)
        .serverStreaming(RuntimeServiceGrpc.getStreamContainerStatsMethod(),
            new ListStreamRpcs.ContainerStats(listContainerStats))
        .unary(RuntimeServiceGrpc.getUpdateContainerResourcesMethod(), new ContainerRpcs.UpdateResources(containers))
        .unary(RuntimeServiceGrpc.getCheckpointContainerMethod(), new ContainerRpcs.Checkpoint(containers))
        .unary(RuntimeServiceGrpc.getExecMethod(), new StreamRpcs.Exec(containers, streams))
        .unary(RuntimeServiceGrpc.getAttachMethod(), new StreamRpcs.Attach(containers, streams))
        .unary(RuntimeServiceGrpc.getPortForwardMethod(), new StreamRpcs.PortForward(pods, streams))
        .serverStreaming(RuntimeServiceGrpc.getGetContainerEventsMethod(),
            new ContainerEventsRpc(containers, pods)::serve)
        .unary(RuntimeServiceGrpc.getListMetricDescriptorsMethod(), new MetricsRpcs.Descriptors())
        .unary(RuntimeServiceGrpc.getListPodSandboxMetricsMethod(), podMetrics)
        .serverStreaming(RuntimeServiceGrpc.getStreamPodSandboxMetricsMethod(),
            new ListStreamRpcs.PodSandboxMetrics(podMetrics))
        .build();
  }

  @Override
  public ServerServiceDefinition bindService() {
    return definition;
  }
}
