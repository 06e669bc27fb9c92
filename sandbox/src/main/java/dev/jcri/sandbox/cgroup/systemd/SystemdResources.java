package dev.jcri.sandbox.cgroup.systemd;

import dev.jcri.sandbox.cgroup.CgroupResources;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A cgroup's limits as systemd unit properties, as runc's systemd driver sets them, so that systemd keeps them
 * (it rewrites a unit's cgroup files from its properties, e.g. on daemon-reload). v2 and v1 name some differently.
 */
final class SystemdResources {

  /** The smallest step of CPUQuotaPerSecUSec systemd keeps: 1% of a CPU, 10 ms per second. */
  private static final long QUOTA_STEP_USEC = 10_000;

  private SystemdResources() {}

  static List<UnitProperty> of(CgroupResources r, boolean unified) {
    List<UnitProperty> p = new ArrayList<>();
    if (r.cpuShares() > 0) {
      p.add(unified ? new UnitProperty("CPUWeight", CgroupResources.weightOf(r.cpuShares()))
          : new UnitProperty("CPUShares", r.cpuShares()));
    }
    if (r.cpuQuotaMicros() > 0) {
      long period = r.cpuPeriodMicros() > 0 ? r.cpuPeriodMicros() : 100_000;
      long perSecond = r.cpuQuotaMicros() * 1_000_000 / period;
      // systemd keeps whole percents: round up, as runc does, so a small quota never becomes none.
      perSecond = (perSecond + QUOTA_STEP_USEC - 1) / QUOTA_STEP_USEC * QUOTA_STEP_USEC;
      p.add(new UnitProperty("CPUQuotaPerSecUSec", perSecond));
      p.add(new UnitProperty("CPUQuotaPeriodUSec", period));
    }
    if (r.memoryLimitBytes() > 0) {
      p.add(new UnitProperty(unified ? "MemoryMax" : "MemoryLimit", r.memoryLimitBytes()));
      if (unified && r.memorySwapBytes() > 0) {
        p.add(new UnitProperty("MemorySwapMax", Math.max(0, r.memorySwapBytes() - r.memoryLimitBytes())));
      }
    }
    if (r.pidsLimit() > 0) {
      p.add(new UnitProperty("TasksMax", r.pidsLimit()));
    }
    if (unified && !r.cpusetCpus().isEmpty()) {
      p.add(new UnitProperty("AllowedCPUs", mask(r.cpusetCpus())));
    }
    if (unified && !r.cpusetMems().isEmpty()) {
      p.add(new UnitProperty("AllowedMemoryNodes", mask(r.cpusetMems())));
    }
    return p;
  }

  /** A cpuset list ("0-2,4") as systemd's byte mask: bit n of byte n/8 for CPU n. */
  static byte[] mask(String list) {
    BitSet bits = new BitSet();
    for (String part : list.split(",")) {
      String range = part.strip();
      if (range.isEmpty()) {
        continue;
      }
      int dash = range.indexOf('-');
      int from = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
      int to = dash < 0 ? from : Integer.parseInt(range.substring(dash + 1));
      if (from < 0 || to < from || to > 8191) {
        throw new dev.jcri.common.InvalidArgumentException("cpuset \"" + list + "\" is not a list such as 0-2,4");
      }
      bits.set(from, to + 1);
    }
    return bits.toByteArray();
  }
}
