package dev.jcri.sandbox.pod;

import dev.jcri.sandbox.trace.Timeline;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pod as jcri keeps it, one versioned JSON record each.
 *
 * @param createdAt nanoseconds since the epoch
 * @param pins namespace kind name (net, ipc, uts) to its pin file
 * @param cgroupPath the pod's cgroup, relative to each hierarchy's root
 * @param createdCgroups the cgroup directories jcri made (removed with the pod)
 * @param timeline each start step with its milliseconds
 */
public record PodSandbox(
    int version,
    String id,
    PodSpec spec,
    State state,
    long createdAt,
    List<String> ips,
    Map<String, String> pins,
    String cgroupPath,
    List<String> createdCgroups,
    boolean shmMounted,
    String network,
    List<Timeline.Step> timeline) {

  public static final int VERSION = 1;

  public enum State { READY, NOTREADY }

  public PodSandbox {
    ips = List.copyOf(ips);
    pins = Map.copyOf(pins);
    createdCgroups = List.copyOf(createdCgroups);
    timeline = List.copyOf(timeline);
  }

  public PodSandbox withState(State s) {
    return new PodSandbox(version, id, spec, s, createdAt, ips, pins, cgroupPath, createdCgroups, shmMounted, network,
        timeline);
  }

  public PodSandbox withPins(Map<String, String> p) {
    return new PodSandbox(version, id, spec, state, createdAt, ips, p, cgroupPath, createdCgroups, shmMounted, network,
        timeline);
  }

  public PodSandbox withoutNetwork() {
    Map<String, String> rest = new LinkedHashMap<>(pins);
    rest.remove("net");
    return new PodSandbox(version, id, spec, State.NOTREADY, createdAt, ips, rest, cgroupPath, createdCgroups,
        shmMounted, network, timeline);
  }
}
