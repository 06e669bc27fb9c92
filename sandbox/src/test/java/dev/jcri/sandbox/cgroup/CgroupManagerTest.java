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

  /**
   * Pods started side by side under a parent that does not exist yet (the default parent after a node's boot):
   * each gets its cgroup, none fails on another's making of the parent, and the parent is there for all.
   */
  @Test
  void podsStartedTogether_underANewParent_allGetTheirCgroups() throws Exception {
    CgroupManager m = CgroupManager.forHost(CgroupLayout.ofHost());
    for (int round = 0; round < 25; round++) {
      startTogether(m);
    }
  }

  private static void startTogether(CgroupManager m) throws Exception {
    String parent = "/jcri-test-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
    List<java.util.concurrent.Future<List<String>>> made = new java.util.ArrayList<>();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    try {
      for (int i = 0; i < 8; i++) {
        String pod = parent + "/pod-" + i;
        made.add(pool.submit(() -> {
          go.await();
          return m.create(pod);
        }));
      }
      go.countDown();
      int parents = 0;
      for (int i = 0; i < 8; i++) {
        List<String> created = made.get(i).get();
        parents += created.contains(parent) ? 1 : 0;
        assertTrue(m.exists(parent + "/pod-" + i));
      }
      assertEquals(1, parents, "one pod made the parent, and only it records it");
    } finally {
      pool.shutdown();
      for (var f : made) {
        try {
          List<String> created = new java.util.ArrayList<>(f.get());
          created.remove(parent);
          m.remove(created);
        } catch (java.util.concurrent.ExecutionException e) {
          // failed to make: nothing to remove
        }
      }
      m.remove(List.of(parent));
    }
    assertFalse(m.exists(parent));
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
