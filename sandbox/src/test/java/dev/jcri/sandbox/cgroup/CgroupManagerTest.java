package dev.jcri.sandbox.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.sandbox.node.CgroupLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** Both cgroupfs managers against this host's real cgroup mounts. */
class CgroupManagerTest {

  private static String path() {
    return "/jcri-test-" + Integer.toHexString(ThreadLocalRandom.current().nextInt()) + "/pod-a";
  }

  @Test
  void v1Hybrid_createApplyStatsRemove() throws Exception {
    CgroupLayout layout = CgroupLayout.ofHost();
    CgroupManager m = CgroupManager.forHost(layout);
    String p = path();
    List<String> created = m.create(p);
    try {
      assertEquals(2, created.size(), "the parent and the pod cgroup");
      assertTrue(m.exists(p));
      Path memory = layout.v1Controllers().get("memory");
      Path cpu = layout.v1Controllers().get("cpu");
      Path cpuset = layout.v1Controllers().get("cpuset");
      m.apply(p, new CgroupResources(512, 50_000, 100_000, 64L << 20, "", "", 0));
      assertEquals("512", Files.readString(cpu.resolve(p.substring(1)).resolve("cpu.shares")).strip());
      assertEquals("50000", Files.readString(cpu.resolve(p.substring(1)).resolve("cpu.cfs_quota_us")).strip());
      assertEquals(String.valueOf(64L << 20),
          Files.readString(memory.resolve(p.substring(1)).resolve("memory.limit_in_bytes")).strip());
      assertFalse(Files.readString(cpuset.resolve(p.substring(1)).resolve("cpuset.cpus")).isBlank(),
          "cpuset cgroups inherit their parent's cpus");
      assertEquals(0, m.stats(p).pids());
    } finally {
      m.remove(created);
    }
    assertFalse(m.exists(p));
  }

  @Test
  void v2_onTheRealCgroup2Mount_createAndRemove() {
    CgroupLayout layout = CgroupLayout.ofHost();
    Path unified = layout.unifiedMount();
    if (unified == null) {
      return;
    }
    CgroupManager m = new CgroupfsV2Manager(unified);
    String p = path();
    List<String> created = m.create(p);
    try {
      assertTrue(Files.isDirectory(unified.resolve(p.substring(1))));
      m.apply(p, new CgroupResources(1024, 0, 0, 0, "", "", 0));
      assertEquals(0, m.stats(p).memoryUsageBytes() < 0 ? 1 : 0);
    } finally {
      m.remove(created);
    }
    assertFalse(m.exists(p));
  }

  @Test
  void weight_followsTheRuncConversion() {
    assertEquals(1, CgroupResources.weightOf(2));
    assertEquals(39, CgroupResources.weightOf(1024));
    assertEquals(10000, CgroupResources.weightOf(262144));
  }
}
