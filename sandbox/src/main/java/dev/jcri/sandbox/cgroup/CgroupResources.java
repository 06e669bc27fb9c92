package dev.jcri.sandbox.cgroup;

import dev.jcri.common.InvalidArgumentException;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

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
 * @param hugepageLimits page size as the kernel names it ("2MB", "1GB") to the most bytes of such pages
 * @param memorySwapBytes memory plus swap (v1 memsw semantics), 0 for unset
 * @param unified cgroup v2 files to write as they are, e.g. memory.high; only on cgroup v2
 */
public record CgroupResources(long cpuShares, long cpuQuotaMicros, long cpuPeriodMicros, long memoryLimitBytes,
    String cpusetCpus, String cpusetMems, long pidsLimit, Map<String, Long> hugepageLimits,
    long memorySwapBytes, Map<String, String> unified) {

  public static final CgroupResources NONE = new CgroupResources(0, 0, 0, 0, "", "", 0);

  public CgroupResources {
    cpusetCpus = cpusetCpus == null ? "" : cpusetCpus;
    cpusetMems = cpusetMems == null ? "" : cpusetMems;
    hugepageLimits = hugepageLimits == null ? Map.of()
        : Collections.unmodifiableMap(new TreeMap<>(hugepageLimits));
    unified = unified == null ? Map.of()
        : Collections.unmodifiableMap(new TreeMap<>(unified));
    for (String size : hugepageLimits.keySet()) {
      if (!size.matches("[0-9]+[KMG]B")) {
        throw new InvalidArgumentException("hugepage size \"" + size
            + "\" is not a size such as 2MB or 1GB");
      }
    }
    // Each key names a file in the container's cgroup directory: one name, never a path (runc and crun refuse
    // the same); values are one line.
    for (var u : unified.entrySet()) {
      String key = u.getKey();
      if (key.length() > 64 || !key.matches("[a-z][a-z0-9_]*(\\.[A-Za-z0-9_]+)+") || key.startsWith("cgroup.")) {
        throw new InvalidArgumentException("unified resource \"" + printable(key)
            + "\" is not a cgroup v2 controller file such as memory.high (no '/', '..' or cgroup.* files)");
      }
      String value = u.getValue();
      if (value.length() > 4096 || value.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
        throw new InvalidArgumentException("unified resource " + key + ": the value must be one"
            + " line of at most 4096 printable characters");
      }
    }
  }

  private static String printable(String s) {
    String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return cut.replaceAll("[\\p{Cntrl}]", "?");
  }

  /** The settings kubelet sent before hugepages, swap and unified existed. */
  public CgroupResources(long cpuShares, long cpuQuotaMicros, long cpuPeriodMicros, long memoryLimitBytes,
      String cpusetCpus, String cpusetMems, long pidsLimit) {
    this(cpuShares, cpuQuotaMicros, cpuPeriodMicros, memoryLimitBytes, cpusetCpus, cpusetMems, pidsLimit, null, 0,
        null);
  }

  public CgroupResources withoutSwap() {
    return new CgroupResources(cpuShares, cpuQuotaMicros, cpuPeriodMicros, memoryLimitBytes, cpusetCpus, cpusetMems,
        pidsLimit, hugepageLimits, 0, unified);
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
        Math.max(pidsLimit, other.pidsLimit), hugepageLimits.isEmpty() ? other.hugepageLimits : hugepageLimits,
        memorySwapBytes > 0 && other.memorySwapBytes > 0 ? memorySwapBytes + other.memorySwapBytes
            : Math.max(memorySwapBytes, other.memorySwapBytes), unified.isEmpty() ? other.unified : unified);
  }

  /** cgroup v2 cpu.weight from v1 cpu.shares, as runc and crun convert it. */
  public static long weightOf(long shares) {
    if (shares == 0) {
      return 0;
    }
    return 1 + ((Math.max(2, Math.min(shares, 262144)) - 2) * 9999) / 262142;
  }
}
