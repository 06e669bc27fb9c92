package dev.jcri.server.rpc;

import com.google.protobuf.ByteString;
import dev.jcri.common.DeadlineExceededException;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.cri.v1.CheckpointContainerRequest;
import dev.jcri.cri.v1.CheckpointContainerResponse;
import dev.jcri.cri.v1.ContainerStatsRequest;
import dev.jcri.cri.v1.ContainerStatsResponse;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.ContainerStatusResponse;
import dev.jcri.cri.v1.CreateContainerRequest;
import dev.jcri.cri.v1.CreateContainerResponse;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.cri.v1.ListContainerStatsRequest;
import dev.jcri.cri.v1.ListContainerStatsResponse;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListContainersResponse;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemoveContainerResponse;
import dev.jcri.cri.v1.ReopenContainerLogRequest;
import dev.jcri.cri.v1.ReopenContainerLogResponse;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StartContainerResponse;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.StopContainerResponse;
import dev.jcri.cri.v1.UpdateContainerResourcesRequest;
import dev.jcri.cri.v1.UpdateContainerResourcesResponse;
import dev.jcri.sandbox.container.ContainerManager;
import dev.jcri.sandbox.stats.StatsCollector;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.runtime.ExecResult;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;

/** The container RPCs, one small class each over the container manager. */
public final class ContainerRpcs {

  private ContainerRpcs() {}

  static String requireId(String id, String rpc) {
    if (id.isEmpty()) {
      throw new InvalidArgumentException(rpc + " needs container_id");
    }
    return id;
  }

  /** CreateContainer: in an existing READY pod, from a present image. */
  public record Create(ContainerManager containers)
      implements UnaryRpc<CreateContainerRequest, CreateContainerResponse> {
    @Override
    public CreateContainerResponse call(CreateContainerRequest request) {
      if (!request.hasConfig()) {
        throw new InvalidArgumentException("CreateContainer needs a config");
      }
      String pod = request.getPodSandboxId();
      if (pod.isEmpty()) {
        throw new InvalidArgumentException("CreateContainer needs pod_sandbox_id");
      }
      ContainerRecord r = containers.create(pod, ContainerProtos.toSpec(request.getConfig()));
      return CreateContainerResponse.newBuilder().setContainerId(r.id()).build();
    }
  }

  public record Start(ContainerManager containers) implements UnaryRpc<StartContainerRequest, StartContainerResponse> {
    @Override
    public StartContainerResponse call(StartContainerRequest request) {
      containers.start(requireId(request.getContainerId(), "StartContainer"));
      return StartContainerResponse.getDefaultInstance();
    }
  }

  /** StopContainer: stop signal, SIGKILL after the timeout; idempotent. */
  public record Stop(ContainerManager containers) implements UnaryRpc<StopContainerRequest, StopContainerResponse> {
    @Override
    public StopContainerResponse call(StopContainerRequest request) {
      containers.stop(requireId(request.getContainerId(), "StopContainer"), request.getTimeout());
      return StopContainerResponse.getDefaultInstance();
    }
  }

  /** RemoveContainer: force-stops a running one; a missing container is success. */
  public record Remove(ContainerManager containers)
      implements UnaryRpc<RemoveContainerRequest, RemoveContainerResponse> {
    @Override
    public RemoveContainerResponse call(RemoveContainerRequest request) {
      containers.remove(requireId(request.getContainerId(), "RemoveContainer"));
      return RemoveContainerResponse.getDefaultInstance();
    }
  }

  /** CheckpointContainer: a CRIU checkpoint of a running container, as a tar archive at the location given. */
  public record Checkpoint(ContainerManager containers)
      implements UnaryRpc<CheckpointContainerRequest, CheckpointContainerResponse> {
    @Override
    public CheckpointContainerResponse call(CheckpointContainerRequest request) {
      if (request.getLocation().isEmpty()) {
        throw new InvalidArgumentException("CheckpointContainer needs a location (the archive to write)");
      }
      containers.checkpoint(requireId(request.getContainerId(), "CheckpointContainer"),
          Path.of(request.getLocation()), request.getTimeout());
      return CheckpointContainerResponse.getDefaultInstance();
    }
  }

  /** ListContainers: filters by id (prefix), state, pod and labels. */
  public record ListAll(ContainerManager containers) implements UnaryRpc<ListContainersRequest, ListContainersResponse> {
    @Override
    public ListContainersResponse call(ListContainersRequest request) {
      var f = request.getFilter();
      ListContainersResponse.Builder b = ListContainersResponse.newBuilder();
      for (ContainerRecord r : containers.list()) {
        if ((!f.getId().isEmpty() && !r.id().startsWith(f.getId()))
            || (!f.getPodSandboxId().isEmpty() && !r.podId().startsWith(f.getPodSandboxId()))
            || (f.hasState() && ContainerProtos.state(r) != f.getState().getState())
            || !PodRpcs.matches(r.spec().labels(), f.getLabelSelectorMap())) {
          continue;
        }
        b.addContainers(ContainerProtos.listItem(r));
      }
      return b.build();
    }
  }

  /** ContainerStatus: NOT_FOUND for an unknown container; verbose info with pid and runtime. */
  public record Status(ContainerManager containers)
      implements UnaryRpc<ContainerStatusRequest, ContainerStatusResponse> {
    @Override
    public ContainerStatusResponse call(ContainerStatusRequest request) {
      ContainerRecord r = containers.get(requireId(request.getContainerId(), "ContainerStatus"));
      ContainerStatusResponse.Builder b = ContainerStatusResponse.newBuilder().setStatus(ContainerProtos.status(r));
      if (request.getVerbose()) {
        b.putInfo("info", "{\"pid\":" + r.pid() + ",\"runtime_handler\":\"" + r.runtimeHandler() + "\",\"pod\":\""
            + r.podId() + "\",\"cgroup_path\":\"" + r.cgroupPath() + "\"}");
      }
      return b.build();
    }
  }

  /**
   * ExecSync: the command's output (at most 8 MiB a stream, so that the response fits kubelet's 16 MiB message
   * limit, and what the node-wide budget gives) and exit code;
   * the timeout kills it. The output's share of the budget is given back once the response is sent.
   */
  public record Exec(ContainerManager containers) {
    /** Serves one call, holding the output until the response is on the wire. */
    public void serve(ExecSyncRequest request, StreamObserver<ExecSyncResponse> observer) {
      try (ExecResult r = run(request)) {
        observer.onNext(response(r));
        observer.onCompleted();
      }
    }

    private ExecResult run(ExecSyncRequest request) {
      ExecResult r = containers.execSync(requireId(request.getContainerId(), "ExecSync"),
          request.getCmdList(), request.getTimeout());
      if (r.timedOut()) {
        r.close();
        throw new DeadlineExceededException("command in container " + request.getContainerId()
            + " timed out after " + request.getTimeout() + " s and was killed");
      }
      return r;
    }

    private static ExecSyncResponse response(ExecResult r) {
      return ExecSyncResponse.newBuilder().setStdout(wrap(r.stdout())).setStderr(wrap(r.stderr()))
          .setExitCode(r.exitCode()).build();
    }

    /** The chunks as one ByteString, wrapped, not copied: they are the budget's until the response is sent. */
    private static ByteString wrap(ExecResult.Output o) {
      ByteString all = ByteString.EMPTY;
      for (byte[] chunk : o.chunks()) {
        all = all.concat(com.google.protobuf.UnsafeByteOperations.unsafeWrap(chunk));
      }
      return all;
    }
  }

  public record ReopenLog(ContainerManager containers)
      implements UnaryRpc<ReopenContainerLogRequest, ReopenContainerLogResponse> {
    @Override
    public ReopenContainerLogResponse call(ReopenContainerLogRequest request) {
      containers.reopenLog(requireId(request.getContainerId(), "ReopenContainerLog"));
      return ReopenContainerLogResponse.getDefaultInstance();
    }
  }

  public record Stats(ContainerManager containers, String mountpoint)
      implements UnaryRpc<ContainerStatsRequest, ContainerStatsResponse> {
    @Override
    public ContainerStatsResponse call(ContainerStatsRequest request) {
      ContainerRecord r = containers.get(requireId(request.getContainerId(), "ContainerStats"));
      return ContainerStatsResponse.newBuilder().setStats(ContainerProtos.stats(r, containers.stats(r.id()),
          containers.writableLayerUsage(r.id()), mountpoint)).build();
    }
  }

  /** ListContainerStats: figures of every RUNNING container matching the filter, as last sampled. */
  public record ListStats(ContainerManager containers, StatsCollector stats, String mountpoint)
      implements UnaryRpc<ListContainerStatsRequest, ListContainerStatsResponse> {
    @Override
    public ListContainerStatsResponse call(ListContainerStatsRequest request) {
      var f = request.getFilter();
      ListContainerStatsResponse.Builder b = ListContainerStatsResponse.newBuilder();
      for (ContainerRecord r : containers.list()) {
        if (r.state() != ContainerRecord.State.RUNNING
            || (!f.getId().isEmpty() && !r.id().startsWith(f.getId()))
            || (!f.getPodSandboxId().isEmpty() && !r.podId().startsWith(f.getPodSandboxId()))
            || !PodRpcs.matches(r.spec().labels(), f.getLabelSelectorMap())) {
          continue;
        }
        try {
          StatsCollector.ContainerFigures fig = stats.container(r);
          b.addStats(ContainerProtos.stats(r, fig.cgroup(), fig.layer(), mountpoint));
        } catch (dev.jcri.common.NotFoundException gone) {
          // removed meanwhile
        }
      }
      return b.build();
    }
  }

  public record UpdateResources(ContainerManager containers)
      implements UnaryRpc<UpdateContainerResourcesRequest, UpdateContainerResourcesResponse> {
    @Override
    public UpdateContainerResourcesResponse call(UpdateContainerResourcesRequest request) {
      containers.updateResources(requireId(request.getContainerId(), "UpdateContainerResources"),
          PodProtos.resources(request.getLinux()));
      return UpdateContainerResourcesResponse.getDefaultInstance();
    }
  }
}
