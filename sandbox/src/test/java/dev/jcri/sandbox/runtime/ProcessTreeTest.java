package dev.jcri.sandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcessTreeTest {

  @Test
  void descendants_areChildrenGrandchildrenAndSoOn_notSiblings() {
    Map<Integer, Integer> parentOf = Map.of(10, 1, 11, 10, 12, 11, 13, 10, 20, 1, 21, 20);
    assertEquals(Set.of(11, 12, 13), ProcessTree.descendants(parentOf, 10));
    assertEquals(Set.of(), ProcessTree.descendants(parentOf, 12));
  }

  @Test
  void kill_endsAShellAndWhatItStarted() throws Exception {
    Process sh = new ProcessBuilder("sh", "-c", "sleep 600 & sleep 600; wait").start();
    Set<Integer> children = Set.of();
    for (int i = 0; i < 100 && children.size() < 2; i++) {
      Thread.sleep(20);
      children = ProcessTree.descendants(ProcessTree.parents(), (int) sh.pid());
    }
    assertEquals(2, children.size(), "the shell started two sleeps");
    ProcessTree.kill((int) sh.pid());
    assertTrue(sh.waitFor(10, TimeUnit.SECONDS));
    for (int pid : children) {
      // Gone from the process table, not a zombie: the shell, still running when they died, reaped them.
      assertFalse(ProcessTree.present(pid), "child " + pid + " killed and reaped by its parent");
    }
  }

  @Test
  void levels_areDeepestFirst_rootLast() {
    Map<Integer, Integer> parentOf = Map.of(10, 1, 11, 10, 12, 11, 13, 10);
    assertEquals(java.util.List.of(java.util.List.of(12), java.util.List.of(11, 13), java.util.List.of(10)),
        ProcessTree.levelsDeepestFirst(parentOf, 10, new java.util.LinkedHashSet<>(java.util.List.of(10, 11, 12, 13))));
  }
}
