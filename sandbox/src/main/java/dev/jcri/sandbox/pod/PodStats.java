package dev.jcri.sandbox.pod;

import dev.jcri.sandbox.cgroup.CgroupStats;
import java.util.List;

/** A pod's cgroup figures and the counters of the interfaces in its network namespace. */
public record PodStats(CgroupStats cgroup, List<NetStats> interfaces) {

  /** Counters of one interface, read inside the pod's network namespace. */
  public record NetStats(String iface, long rxBytes, long rxErrors, long txBytes, long txErrors) {}
}
