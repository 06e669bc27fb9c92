package dev.jcri.server.rpc;

import dev.jcri.cri.v1.AttachRequest;
import dev.jcri.cri.v1.AttachResponse;
import dev.jcri.cri.v1.ContainerEventResponse;
import dev.jcri.cri.v1.ContainerStatsRequest;
import dev.jcri.cri.v1.ContainerStatsResponse;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.ContainerStatusResponse;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.CreateContainerResponse;
import dev.jcri.cri.v1.ExecRequest;
import dev.jcri.cri.v1.ExecResponse;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.cri.v1.GetEventsRequest;
import dev.jcri.cri.v1.ListContainerStatsRequest;
import dev.jcri.cri.v1.ListContainerStatsResponse;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListContainersResponse;
import dev.jcri.cri.v1.ListMetricDescriptorsRequest;
import dev.jcri.cri.v1.ListMetricDescriptorsResponse;
import dev.jcri.cri.v1.ListPodSandboxMetricsRequest;
import dev.jcri.cri.v1.ListPodSandboxMetricsResponse;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.ListPodSandboxResponse;
import dev.jcri.cri.v1.ListPodSandboxStatsRequest;
import dev.jcri.cri.v1.ListPodSandboxStatsResponse;
import dev.jcri.cri.v1.PodSandboxStatsRequest;
import dev.jcri.cri.v1.PodSandboxStatsResponse;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.PodSandboxStatusResponse;
import dev.jcri.cri.v1.PortForwardRequest;
import dev.jcri.cri.v1.PortForwardResponse;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemoveContainerResponse;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RemovePodSandboxResponse;
import dev.jcri.cri.v1.ReopenContainerLogRequest;
import dev.jcri.cri.v1.ReopenContainerLogResponse;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxResponse;
import dev.jcri.cri.v1.RuntimeConfigRequest;
import dev.jcri.cri.v1.RuntimeConfigResponse;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StartContainerResponse;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.StatusResponse;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.StopContainerResponse;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.cri.v1.StopPodSandboxResponse;
import dev.jcri.cri.v1.UpdateContainerResourcesRequest;
import dev.jcri.cri.v1.UpdateContainerResourcesResponse;
import dev.jcri.cri.v1.UpdatePodSandboxResourcesRequest;
import dev.jcri.cri.v1.UpdatePodSandboxResourcesResponse;
import dev.jcri.cri.v1.UpdateRuntimeConfigRequest;
import dev.jcri.cri.v1.UpdateRuntimeConfigResponse;
import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.cri.v1.VersionResponse;
import dev.jcri.sandbox.container.ContainerManager;
import dev.jcri.sandbox.pod.PodSandboxManager;
import dev.jcri.server.stream.StreamServer;
import io.grpc.stub.StreamObserver;

/**
 * The RuntimeService edge: each method hands its request to the class of that RPC. RPCs not built yet fall
 * through to the generated base, which answers UNIMPLEMENTED naming the method.
 */
public final class RuntimeServiceImpl extends RuntimeServiceGrpc.RuntimeServiceImplBase {

  private final VersionRpc version;
  private final StatusRpc status;
  private final UpdateRuntimeConfigRpc updateRuntimeConfig;
  private final RuntimeConfigRpc runtimeConfig;
  private final PodRpcs.Run runPod;
  private final PodRpcs.Stop stopPod;
  private final PodRpcs.Remove removePod;
  private final PodRpcs.Status podStatus;
  private final PodRpcs.ListPods listPods;
  private final PodRpcs.Stats podStats;
  private final PodRpcs.ListStats listPodStats;
  private final PodRpcs.UpdateResources updatePodResources;
  private final ContainerEventsRpc containerEvents;
  private final MetricsRpcs.Descriptors metricDescriptors = new MetricsRpcs.Descriptors();
  private final MetricsRpcs.PodMetrics podMetrics;
  private final ContainerRpcs.Create createContainerRpc;
  private final ContainerRpcs.Start startContainerRpc;
  private final ContainerRpcs.Stop stopContainerRpc;
  private final ContainerRpcs.Remove removeContainerRpc;
  private final ContainerRpcs.ListAll listContainersRpc;
  private final ContainerRpcs.Status containerStatusRpc;
  private final ContainerRpcs.Exec execSyncRpc;
  private final ContainerRpcs.ReopenLog reopenContainerLogRpc;
  private final ContainerRpcs.Stats containerStatsRpc;
  private final ContainerRpcs.ListStats listContainerStatsRpc;
  private final ContainerRpcs.UpdateResources updateContainerResourcesRpc;
  private final StreamRpcs.Exec execRpc;
  private final StreamRpcs.Attach attachRpc;
  private final StreamRpcs.PortForward portForwardRpc;

  public RuntimeServiceImpl(VersionRpc version, StatusRpc status, UpdateRuntimeConfigRpc updateRuntimeConfig,
      RuntimeConfigRpc runtimeConfig, PodSandboxManager pods, ContainerManager containers, String mountpoint,
      StreamServer streams) {
    this.version = version;
    this.status = status;
    this.updateRuntimeConfig = updateRuntimeConfig;
    this.runtimeConfig = runtimeConfig;
    this.runPod = new PodRpcs.Run(pods);
    this.stopPod = new PodRpcs.Stop(pods);
    this.removePod = new PodRpcs.Remove(pods);
    this.podStatus = new PodRpcs.Status(pods);
    this.listPods = new PodRpcs.ListPods(pods);
    this.podStats = new PodRpcs.Stats(pods);
    this.listPodStats = new PodRpcs.ListStats(pods);
    this.updatePodResources = new PodRpcs.UpdateResources(pods);
    this.containerEvents = new ContainerEventsRpc(containers, pods);
    this.podMetrics = new MetricsRpcs.PodMetrics(pods, containers);
    this.createContainerRpc = new ContainerRpcs.Create(containers);
    this.startContainerRpc = new ContainerRpcs.Start(containers);
    this.stopContainerRpc = new ContainerRpcs.Stop(containers);
    this.removeContainerRpc = new ContainerRpcs.Remove(containers);
    this.listContainersRpc = new ContainerRpcs.ListAll(containers);
    this.containerStatusRpc = new ContainerRpcs.Status(containers);
    this.execSyncRpc = new ContainerRpcs.Exec(containers);
    this.reopenContainerLogRpc = new ContainerRpcs.ReopenLog(containers);
    this.containerStatsRpc = new ContainerRpcs.Stats(containers, mountpoint);
    this.listContainerStatsRpc = new ContainerRpcs.ListStats(containers, mountpoint);
    this.updateContainerResourcesRpc = new ContainerRpcs.UpdateResources(containers);
    this.execRpc = new StreamRpcs.Exec(containers, streams);
    this.attachRpc = new StreamRpcs.Attach(containers, streams);
    this.portForwardRpc = new StreamRpcs.PortForward(pods, streams);
  }

  @Override
  public void exec(ExecRequest request, StreamObserver<ExecResponse> observer) {
    UnaryRpc.serve(execRpc, request, observer);
  }

  @Override
  public void attach(AttachRequest request,
      StreamObserver<AttachResponse> observer) {
    UnaryRpc.serve(attachRpc, request, observer);
  }

  @Override
  public void portForward(PortForwardRequest request,
      StreamObserver<PortForwardResponse> observer) {
    UnaryRpc.serve(portForwardRpc, request, observer);
  }

  @Override
  public void runPodSandbox(RunPodSandboxRequest request, StreamObserver<RunPodSandboxResponse> observer) {
    UnaryRpc.serve(runPod, request, observer);
  }

  @Override
  public void stopPodSandbox(StopPodSandboxRequest request, StreamObserver<StopPodSandboxResponse> observer) {
    UnaryRpc.serve(stopPod, request, observer);
  }

  @Override
  public void removePodSandbox(RemovePodSandboxRequest request, StreamObserver<RemovePodSandboxResponse> observer) {
    UnaryRpc.serve(removePod, request, observer);
  }

  @Override
  public void podSandboxStatus(PodSandboxStatusRequest request, StreamObserver<PodSandboxStatusResponse> observer) {
    UnaryRpc.serve(podStatus, request, observer);
  }

  @Override
  public void listPodSandbox(ListPodSandboxRequest request, StreamObserver<ListPodSandboxResponse> observer) {
    UnaryRpc.serve(listPods, request, observer);
  }

  @Override
  public void podSandboxStats(PodSandboxStatsRequest request, StreamObserver<PodSandboxStatsResponse> observer) {
    UnaryRpc.serve(podStats, request, observer);
  }

  @Override
  public void listPodSandboxStats(ListPodSandboxStatsRequest request,
      StreamObserver<ListPodSandboxStatsResponse> observer) {
    UnaryRpc.serve(listPodStats, request, observer);
  }

  @Override
  public void updatePodSandboxResources(UpdatePodSandboxResourcesRequest request,
      StreamObserver<UpdatePodSandboxResourcesResponse> observer) {
    UnaryRpc.serve(updatePodResources, request, observer);
  }

  @Override
  public void version(VersionRequest request, StreamObserver<VersionResponse> observer) {
    UnaryRpc.serve(version, request, observer);
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
    UnaryRpc.serve(status, request, observer);
  }

  @Override
  public void updateRuntimeConfig(UpdateRuntimeConfigRequest request,
      StreamObserver<UpdateRuntimeConfigResponse> observer) {
    UnaryRpc.serve(updateRuntimeConfig, request, observer);
  }

  @Override
  public void runtimeConfig(RuntimeConfigRequest request, StreamObserver<RuntimeConfigResponse> observer) {
    UnaryRpc.serve(runtimeConfig, request, observer);
  }

  @Override
  public void createContainer(CreateContainerRequest request, StreamObserver<CreateContainerResponse> observer) {
    UnaryRpc.serve(createContainerRpc, request, observer);
  }

  @Override
  public void startContainer(StartContainerRequest request, StreamObserver<StartContainerResponse> observer) {
    UnaryRpc.serve(startContainerRpc, request, observer);
  }

  @Override
  public void stopContainer(StopContainerRequest request, StreamObserver<StopContainerResponse> observer) {
    UnaryRpc.serve(stopContainerRpc, request, observer);
  }

  @Override
  public void removeContainer(RemoveContainerRequest request, StreamObserver<RemoveContainerResponse> observer) {
    UnaryRpc.serve(removeContainerRpc, request, observer);
  }

  @Override
  public void listContainers(ListContainersRequest request, StreamObserver<ListContainersResponse> observer) {
    UnaryRpc.serve(listContainersRpc, request, observer);
  }

  @Override
  public void containerStatus(ContainerStatusRequest request, StreamObserver<ContainerStatusResponse> observer) {
    UnaryRpc.serve(containerStatusRpc, request, observer);
  }

  @Override
  public void execSync(ExecSyncRequest request, StreamObserver<ExecSyncResponse> observer) {
    execSyncRpc.serve(request, observer);
  }

  @Override
  public void reopenContainerLog(ReopenContainerLogRequest request, StreamObserver<ReopenContainerLogResponse> observer) {
    UnaryRpc.serve(reopenContainerLogRpc, request, observer);
  }

  @Override
  public void containerStats(ContainerStatsRequest request, StreamObserver<ContainerStatsResponse> observer) {
    UnaryRpc.serve(containerStatsRpc, request, observer);
  }

  @Override
  public void listContainerStats(ListContainerStatsRequest request, StreamObserver<ListContainerStatsResponse> observer) {
    UnaryRpc.serve(listContainerStatsRpc, request, observer);
  }

  @Override
  public void updateContainerResources(UpdateContainerResourcesRequest request, StreamObserver<UpdateContainerResourcesResponse> observer) {
    UnaryRpc.serve(updateContainerResourcesRpc, request, observer);
  }

  @Override
  public void getContainerEvents(GetEventsRequest request,
      StreamObserver<ContainerEventResponse> observer) {
    containerEvents.serve(request, observer);
  }

  @Override
  public void listMetricDescriptors(ListMetricDescriptorsRequest request,
      StreamObserver<ListMetricDescriptorsResponse> observer) {
    UnaryRpc.serve(metricDescriptors, request, observer);
  }

  @Override
  public void listPodSandboxMetrics(ListPodSandboxMetricsRequest request,
      StreamObserver<ListPodSandboxMetricsResponse> observer) {
    UnaryRpc.serve(podMetrics, request, observer);
  }
}
