package dev.jcri.sandbox.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CgroupLayoutTest {

  /** The layout of these build machines: v1 controllers, a named systemd hierarchy, cgroup2 aside. */
  static final String HYBRID = """
      proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
      tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
      cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
      cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0
      cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0
      cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0
      cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0
      cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
      """;

  static final String PROC_CGROUPS = """
      #subsys_name	hierarchy	num_cgroups	enabled
      cpu	1	1	1
      memory	4	46	1
      hugetlb	0	1	1
      pids	8	1	1
      """;

  @Test
  void parse_hybrid() {
    CgroupLayout layout = CgroupLayout.parse(HYBRID);
    assertEquals(CgroupLayout.Mode.HYBRID, layout.mode());
    assertEquals(Path.of("/sys/fs/cgroup/memory"), layout.v1Controllers().get("memory"));
    assertEquals(Path.of("/sys/fs/cgroup/systemd"), layout.v1Controllers().get("name=systemd"));
    assertEquals(Path.of("/sys/fs/cgroup/unified"), layout.unifiedMount());
    assertEquals(Path.of("/sys/fs/cgroup"), layout.v1Root());
  }

  @Test
  void parse_pureV2() {
    CgroupLayout layout = CgroupLayout.parse("cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n");
    assertEquals(CgroupLayout.Mode.V2, layout.mode());
    assertEquals(Path.of("/sys/fs/cgroup"), layout.unifiedMount());
    assertNull(layout.v1Root());
  }

  @Test
  void parse_pureV1_withJoinedControllers() {
    CgroupLayout layout = CgroupLayout.parse(
        "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,nodev,noexec,relatime,cpu,cpuacct 0 0\n");
    assertEquals(CgroupLayout.Mode.V1, layout.mode());
    assertEquals(Path.of("/sys/fs/cgroup/cpu,cpuacct"), layout.v1Controllers().get("cpuacct"));
  }

  @Test
  void parse_namedHierarchyAndCgroup2Only_isV2() {
    CgroupLayout layout = CgroupLayout.parse("""
        cgroup2 /sys/fs/cgroup cgroup2 rw 0 0
        cgroup /run/named cgroup rw,name=systemd 0 0
        """);
    assertEquals(CgroupLayout.Mode.V2, layout.mode());
  }

  @Test
  void hugetlb_onUnifiedOfHybridHost_needsV1Mount() {
    CgroupLayout layout = CgroupLayout.parse(HYBRID);
    assertEquals(Path.of("/sys/fs/cgroup/hugetlb"), HugetlbMounter.neededMount(layout, PROC_CGROUPS, "hugetlb\n"));
  }

  @Test
  void hugetlb_alreadyV1_orNotOnUnified_orPureV2_needsNothing() {
    CgroupLayout withV1 = CgroupLayout.parse(HYBRID
        + "cgroup /sys/fs/cgroup/hugetlb cgroup rw,nosuid,nodev,noexec,relatime,hugetlb 0 0\n");
    assertNull(HugetlbMounter.neededMount(withV1, PROC_CGROUPS, "hugetlb"));
    assertNull(HugetlbMounter.neededMount(CgroupLayout.parse(HYBRID), PROC_CGROUPS, ""));
    assertNull(HugetlbMounter.neededMount(CgroupLayout.parse("cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n"),
        PROC_CGROUPS, "cpu memory hugetlb"));
  }

  @Test
  void hugetlb_onThisHost_isMountedAfterMountIfNeeded() {
    HugetlbMounter.mountIfNeeded();
    assertNull(HugetlbMounter.neededMountOnHost(CgroupLayout.ofHost()),
        "after mountIfNeeded the host needs no further hugetlb mount");
  }
}
