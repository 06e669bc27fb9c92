package dev.jcri.server.rpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Json;
import dev.jcri.common.NotFoundException;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.ListPodSandboxResponse;
import dev.jcri.cri.v1.ListPodSandboxStatsRequest;
import dev.jcri.cri.v1.ListPodSandboxStatsResponse;
import dev.jcri.cri.v1.PodSandboxStatsRequest;
import dev.jcri.cri.v1.PodSandboxStatsResponse;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.PodSandboxStatusResponse;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RemovePodSandboxResponse;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxResponse;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.cri.v1.StopPodSandboxResponse;
import dev.jcri.cri.v1.UpdatePodSandboxResourcesRequest;
import dev.jcri.cri.v1.UpdatePodSandboxResourcesResponse;
import dev.jcri.sandbox.PodTeardown;
import dev.jcri.sandbox.pod.PodSandbox;
import dev.jcri.sandbox.pod.PodSandboxManager;
import dev.jcri.sandbox.stats.StatsCollector;
import java.io.UncheckedIOException;
import java.util.Map;

/** The pod sandbox RPCs, one small class each over the pod manager. */
public final class PodRpcs {

  private PodRpcs() {}

  static String requireId(String id, String rpc) {
    if (id.isEmpty()) {
      throw new InvalidArgumentException(rpc + " needs pod_sandbox_id");
    }
    return id;
  }

  /** RunPodSandbox: makes the pod and returns its id once it is READY. */
  public record Run(PodSandboxManager pods) implements UnaryRpc<RunPodSandboxRequest, RunPodSandboxResponse> {
    @Override
    public RunPodSandboxResponse call(RunPodSandboxRequest request) {
      if (!request.hasConfig()) {
        throw new InvalidArgumentException("RunPodSandbox needs a config");
      }
      PodSandbox pod = pods.run(PodProtos.toSpec(request.getConfig(), request.getRuntimeHandler()));
      return RunPodSandboxResponse.newBuilder().setPodSandboxId(pod.id()).build();
    }
  }

  /** StopPodSandbox: idempotent; a missing pod is success. */
  public record Stop(PodTeardown teardown) implements UnaryRpc<StopPodSandboxRequest, StopPodSandboxResponse> {
    @Override
    public StopPodSandboxResponse call(StopPodSandboxRequest request) {
      teardown.stop(requireId(request.getPodSandboxId(), "StopPodSandbox"));
      return StopPodSandboxResponse.getDefaultInstance();
    }
  }

  /** RemovePodSandbox: idempotent; a running pod is stopped first. */
  public record Remove(PodTeardown teardown)
      implements UnaryRpc<RemovePodSandboxRequest, RemovePodSandboxResponse> {
    @Override
    public RemovePodSandboxResponse call(RemovePodSandboxRequest request) {
      teardown.remove(requireId(request.getPodSandboxId(), "RemovePodSandbox"));
      return RemovePodSandboxResponse.getDefaultInstance();
    }
  }

  /** PodSandboxStatus: NOT_FOUND for an unknown pod; verbose info as JSON. */
  public record Status(PodSandboxManager pods) implements UnaryRpc<PodSandboxStatusRequest, PodSandboxStatusResponse> {
    private static final ObjectMapper JSON = Json.SNAKE_CASE;

    @Override
    public PodSandboxStatusResponse call(PodSandboxStatusRequest request) {
      PodSandbox pod = pods.get(requireId(request.getPodSandboxId(), "PodSandboxStatus"));
      PodSandboxStatusResponse.Builder b = PodSandboxStatusResponse.newBuilder().setStatus(PodProtos.status(pod))
          .setTimestamp(System.currentTimeMillis() * 1_000_000L);
      if (request.getVerbose()) {
        ObjectNode info = JSON.createObjectNode();
        info.put("pid", pods.infraPid(pod));
        info.set("namespaces", JSON.valueToTree(pod.pins()));
        info.put("cgroup_path", pod.cgroupPath());
        info.put("network", pod.network());
        info.set("ips", JSON.valueToTree(pod.ips()));
        info.put("runtime_handler", pod.spec().runtimeHandler());
        info.set("timeline", JSON.valueToTree(pod.timeline()));
        info.set("spec", JSON.valueToTree(pod.spec()));
        try {
          b.putInfo("info", JSON.writeValueAsString(info));
        } catch (JsonProcessingException e) {
          throw new UncheckedIOException(e);
        }
      }
      return b.build();
    }
  }

  /** ListPodSandbox: filters by id (or id prefix), state and labels. */
  public record ListPods(PodSandboxManager pods) implements UnaryRpc<ListPodSandboxRequest, ListPodSandboxResponse> {
    @Override
    public ListPodSandboxResponse call(ListPodSandboxRequest request) {
      var f = request.getFilter();
      ListPodSandboxResponse.Builder b = ListPodSandboxResponse.newBuilder();
      for (PodSandbox p : pods.list()) {
        if (!f.getId().isEmpty() && !p.id().startsWith(f.getId())) {
          continue;
        }
        if (f.hasState() && PodProtos.state(p) != f.getState().getState()) {
          continue;
        }
        if (!matches(p.spec().labels(), f.getLabelSelectorMap())) {
          continue;
        }
        b.addItems(PodProtos.listItem(p));
      }
      return b.build();
    }
  }

  static boolean matches(Map<String, String> labels, Map<String, String> selector) {
    return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  /** PodSandboxStats: cgroup and network figures of one pod. */
  public record Stats(PodSandboxManager pods) implements UnaryRpc<PodSandboxStatsRequest, PodSandboxStatsResponse> {
    @Override
    public PodSandboxStatsResponse call(PodSandboxStatsRequest request) {
      PodSandbox pod = pods.get(requireId(request.getPodSandboxId(), "PodSandboxStats"));
      return PodSandboxStatsResponse.newBuilder().setStats(PodProtos.stats(pod, pods.stats(pod.id()))).build();
    }
  }

  /** ListPodSandboxStats: figures of every READY pod matching the filter, as last sampled. */
  public record ListStats(PodSandboxManager pods, StatsCollector stats)
      implements UnaryRpc<ListPodSandboxStatsRequest, ListPodSandboxStatsResponse> {
    @Override
    public ListPodSandboxStatsResponse call(ListPodSandboxStatsRequest request) {
      var f = request.getFilter();
      ListPodSandboxStatsResponse.Builder b = ListPodSandboxStatsResponse.newBuilder();
      for (PodSandbox p : pods.list()) {
        if (p.state() != PodSandbox.State.READY || (!f.getId().isEmpty() && !p.id().startsWith(f.getId()))
            || !matches(p.spec().labels(), f.getLabelSelectorMap())) {
          continue;
        }
        try {
          b.addStats(PodProtos.stats(p, stats.pod(p)));
        } catch (NotFoundException gone) {
          // removed meanwhile
        }
      }
      return b.build();
    }
  }

  /** UpdatePodSandboxResources: applies the pod's new resources and overhead to its cgroup. */
  public record UpdateResources(PodSandboxManager pods)
      implements UnaryRpc<UpdatePodSandboxResourcesRequest, UpdatePodSandboxResourcesResponse> {
    @Override
    public UpdatePodSandboxResourcesResponse call(UpdatePodSandboxResourcesRequest request) {
      PodSandbox pod = pods.get(requireId(request.getPodSandboxId(), "UpdatePodSandboxResources"));
      pods.cgroups().apply(pod.cgroupPath(),
          PodProtos.resources(request.getResources()).plus(PodProtos.resources(request.getOverhead())));
      return UpdatePodSandboxResourcesResponse.getDefaultInstance();
    }
  }
}
