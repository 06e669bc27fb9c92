package dev.jcri.sandbox.cgroup.systemd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jcri.sandbox.cgroup.CgroupResources;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SystemdResourcesTest {

  private static Map<String, Object> byName(List<UnitProperty> properties) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    properties.forEach(p -> m.put(p.name(), p.value()));
    return m;
  }

  @Test
  void v2_properties_asRuncSetsThem() {
    var r = new CgroupResources(1024, 50_000, 100_000, 64L << 20, "0-1,3", "0", 100, Map.of(), 128L << 20,
        Map.of());
    Map<String, Object> p = byName(SystemdResources.of(r, true));
    assertEquals(39L, p.get("CPUWeight"));
    assertEquals(500_000L, p.get("CPUQuotaPerSecUSec"));
    assertEquals(100_000L, p.get("CPUQuotaPeriodUSec"));
    assertEquals(64L << 20, p.get("MemoryMax"));
    assertEquals(64L << 20, p.get("MemorySwapMax"), "v2 swap is what the CRI's memory+swap leaves");
    assertEquals(100L, p.get("TasksMax"));
    assertArrayEquals(new byte[] {0b1011}, (byte[]) p.get("AllowedCPUs"));
    assertArrayEquals(new byte[] {1}, (byte[]) p.get("AllowedMemoryNodes"));
  }

  @Test
  void v1_usesItsOwnNames_andNoCpusetProperties() {
    Map<String, Object> p = byName(SystemdResources.of(new CgroupResources(512, 0, 0, 1L << 30, "0", "", 0), false));
    assertEquals(Map.of("CPUShares", 512L, "MemoryLimit", 1L << 30), p);
  }

  /** systemd keeps whole percents of a CPU: a quota of 1 ms per 100 ms (1%) stays 1%, 1.5% becomes 2%. */
  @Test
  void quota_isRoundedUpToWholePercents() {
    assertEquals(10_000L, byName(SystemdResources.of(new CgroupResources(0, 1_000, 100_000, 0, "", "", 0), true))
        .get("CPUQuotaPerSecUSec"));
    assertEquals(20_000L, byName(SystemdResources.of(new CgroupResources(0, 1_500, 100_000, 0, "", "", 0), true))
        .get("CPUQuotaPerSecUSec"));
  }

  @Test
  void nothingSet_noProperties() {
    assertEquals(List.of(), SystemdResources.of(CgroupResources.NONE, true));
  }

  @Test
  void mask_spansBytes() {
    assertArrayEquals(new byte[] {0, 0b110}, SystemdResources.mask("9-10"));
  }
}
