package dev.jcri.sandbox.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jcri.common.InvalidArgumentException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CgroupResourcesTest {

  static CgroupResources withUnified(String key, String value) {
    return new CgroupResources(0, 0, 0, 0, "", "", 0, Map.of(), 0, Map.of(key, value));
  }

  @Test
  void unifiedKeys_thatArePathsOrCgroupCoreFiles_areRefused() {
    for (String key : List.of("/etc/passwd", "../../../../etc/cron.d/x", "memory.high/../../x", "..", "memory..max",
        "cgroup.procs", "cgroup.subtree_control", "memory.high\n", "memory.high ", "Memory.high", "high", "")) {
      assertThrows(InvalidArgumentException.class, () -> withUnified(key, "1"), key);
    }
  }

  @Test
  void unifiedValues_areOneLine() {
    assertThrows(InvalidArgumentException.class, () -> withUnified("memory.high", "1\n2"));
    assertThrows(InvalidArgumentException.class, () -> withUnified("memory.high", "x".repeat(5000)));
  }

  @Test
  void realControllerFiles_areKept() {
    for (String key : List.of("memory.high", "memory.oom.group", "io.bfq.weight", "hugetlb.2MB.max", "cpu.uclamp.min")) {
      assertEquals("max", withUnified(key, "max").unified().get(key));
    }
  }
}
