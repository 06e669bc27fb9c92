package dev.jcri.sandbox.cgroup;

/**
 * What a cgroup has used: CPU time in nanoseconds, memory in use, the working set (usage minus inactive
 * file pages, as kubelet computes it), RSS, the number of tasks, swap in use (-1 where the node cannot tell) and
 * the pressure stall figures (v2).
 */
public record CgroupStats(long cpuUsageNanos, long memoryUsageBytes, long memoryWorkingSetBytes, long memoryRssBytes,
    long pids, long atNanos, long swapUsageBytes, Pressure pressure) {

  public CgroupStats {
    pressure = pressure == null ? Pressure.NONE : pressure;
  }

  /** Figures of a node that has no swap or pressure figures per cgroup (v1). */
  public CgroupStats(long cpuUsageNanos, long memoryUsageBytes, long memoryWorkingSetBytes, long memoryRssBytes,
      long pids, long atNanos) {
    this(cpuUsageNanos, memoryUsageBytes, memoryWorkingSetBytes, memoryRssBytes, pids, atNanos, -1, null);
  }
}
