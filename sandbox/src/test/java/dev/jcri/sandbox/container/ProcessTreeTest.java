package dev.jcri.sandbox.container;

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
      for (int i = 0; i < 100 && running(pid); i++) {
        Thread.sleep(20);
      }
      assertFalse(running(pid), "child " + pid + " killed");
    }
  }

  /** Present and not a zombie (a killed orphan waits for its new parent to reap it). */
  static boolean running(int pid) {
    try {
      String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Integer.toString(pid), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (java.io.IOException gone) {
      return false;
    }
  }
}
