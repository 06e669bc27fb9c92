package dev.jcri.sandbox.cgroup;

/**
 * Resource settings for a pod or container cgroup, in the CRI's (cgroup v1) terms; zero means "not set".
 *
 * @param cpuShares relative CPU weight (v1 cpu.shares; v2 cpu.weight is derived)
 * @param cpuQuotaMicros CFS quota per period, -1 or 0 for none
 * @param cpuPeriodMicros CFS period
 * @param memoryLimitBytes memory limit
 * @param cpusetCpus cpus allowed, e.g. "0-1", empty for the parent's
 * @param cpusetMems memory nodes allowed, empty for the parent's
 * @param pidsLimit most tasks, 0 for none
 */
public record CgroupResources(long cpuShares, long cpuQuotaMicros, long cpuPeriodMicros, long memoryLimitBytes,
    String cpusetCpus, String cpusetMems, long pidsLimit) {

  public static final CgroupResources NONE = new CgroupResources(0, 0, 0, 0, "", "", 0);

  public CgroupResources {
    cpusetCpus = cpusetCpus == null ? "" : cpusetCpus;
    cpusetMems = cpusetMems == null ? "" : cpusetMems;
  }

  /** Adds the limits of {@code other} (a pod's overhead on top of its resources). */
  public CgroupResources plus(CgroupResources other) {
    return new CgroupResources(cpuShares + other.cpuShares,
        cpuQuotaMicros > 0 && other.cpuQuotaMicros > 0 ? cpuQuotaMicros + other.cpuQuotaMicros
            : Math.max(cpuQuotaMicros, other.cpuQuotaMicros),
        Math.max(cpuPeriodMicros, other.cpuPeriodMicros),
        memoryLimitBytes > 0 && other.memoryLimitBytes > 0 ? memoryLimitBytes + other.memoryLimitBytes
            : Math.max(memoryLimitBytes, other.memoryLimitBytes),
        cpusetCpus.isEmpty() ? other.cpusetCpus : cpusetCpus,
        cpusetMems.isEmpty() ? other.cpusetMems : cpusetMems,
        Math.max(pidsLimit, other.pidsLimit));
  }

  /** cgroup v2 cpu.weight from v1 cpu.shares, as runc and crun convert it. */
  static long weightOf(long shares) {
    if (shares == 0) {
      return 0;
    }
    return 1 + ((Math.max(2, Math.min(shares, 262144)) - 2) * 9999) / 262142;
  }
}
