package dev.jcri.sandbox.runtime;

import com.sun.jna.LastErrorException;
import dev.jcri.common.Libc;
import dev.jcri.common.ProcStat;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A process and everything it started, found through /proc's parent links. An ExecSync that times out ends its
 * whole tree: killing only the exec'd process leaves what it started (a shell's {@code sleep}) running. And each
 * process is killed while its parent still runs, so the parent reaps it: an orphan would go to the container's
 * PID 1, which in many containers never reaps, and stay a zombie that {@code pgrep} inside still finds.
 */
final class ProcessTree {

  private static final int SIGKILL = 9;
  private static final int SIGSTOP = 19;
  private static final int SIGCONT = 18;
  /** How long a killed process's parent gets to reap it before the next level is killed anyway. */
  private static final long REAP_WAIT_MILLIS = 1000;

  private ProcessTree() {}

  /**
   * Ends {@code root}'s descendants, deepest first, each reaped by its parent, and then {@code root} itself (its
   * parent, the runtime's exec, reaps it). The tree is stopped first, again until no new process appears, so
   * none forks away meanwhile. A process gone in between is no error.
   */
  static void kill(int root) {
    Set<Integer> tree = new LinkedHashSet<>();
    Map<Integer, Integer> parentOf = Map.of();
    for (int round = 0; round < 5; round++) {
      parentOf = parents();
      Set<Integer> now = descendants(parentOf, root);
      now.add(root);
      boolean grew = tree.addAll(now);
      now.forEach(pid -> signal(pid, SIGSTOP));
      if (!grew && round > 0) {
        break;
      }
    }
    for (List<Integer> level : levelsDeepestFirst(parentOf, root, tree)) {
      Set<Integer> parentsOfLevel = new LinkedHashSet<>();
      for (int pid : level) {
        signal(pid, SIGKILL);
        Integer parent = parentOf.get(pid);
        if (parent != null && tree.contains(parent)) {
          parentsOfLevel.add(parent);
        }
      }
      parentsOfLevel.forEach(pid -> signal(pid, SIGCONT));
      awaitGone(level);
    }
  }

  /** The tree's pids by depth below {@code root}, deepest first; {@code root} alone last. */
  static List<List<Integer>> levelsDeepestFirst(Map<Integer, Integer> parentOf, int root, Set<Integer> tree) {
    Map<Integer, Integer> depth = new HashMap<>();
    List<List<Integer>> levels = new ArrayList<>();
    for (int pid : tree) {
      int d = 0;
      for (Integer p = pid; p != null && p != root && d <= tree.size(); p = parentOf.get(p)) {
        d++;
      }
      depth.put(pid, d);
    }
    int max = depth.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    for (int d = max; d >= 0; d--) {
      int at = d;
      List<Integer> level = tree.stream().filter(pid -> depth.get(pid) == at).toList();
      if (!level.isEmpty()) {
        levels.add(level);
      }
    }
    return levels;
  }

  private static void awaitGone(List<Integer> pids) {
    long deadline = System.nanoTime() + REAP_WAIT_MILLIS * 1_000_000;
    while (System.nanoTime() < deadline && pids.stream().anyMatch(ProcessTree::present)) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Still in the process table (running, stopped or a zombie not yet reaped). */
  static boolean present(int pid) {
    return Files.exists(Path.of("/proc", Integer.toString(pid)));
  }

  /** The descendants of {@code root} in a map of pid to parent pid. */
  static Set<Integer> descendants(Map<Integer, Integer> parentOf, int root) {
    Map<Integer, List<Integer>> children = new HashMap<>();
    parentOf.forEach((pid, ppid) -> children.computeIfAbsent(ppid, k -> new ArrayList<>()).add(pid));
    Set<Integer> out = new LinkedHashSet<>();
    ArrayDeque<Integer> todo = new ArrayDeque<>(List.of(root));
    while (!todo.isEmpty()) {
      for (int child : children.getOrDefault(todo.pop(), List.of())) {
        if (out.add(child)) {
          todo.push(child);
        }
      }
    }
    return out;
  }

  /** Every process's parent, from /proc/PID/stat (the field after the command, which may hold spaces). */
  static Map<Integer, Integer> parents() {
    Map<Integer, Integer> out = new HashMap<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : procs) {
        ProcStat stat = ProcStat.of(p.getFileName().toString());
        if (stat != null) { // else exited while listed
          out.put(Integer.parseInt(p.getFileName().toString()), (int) stat.parent());
        }
      }
    } catch (IOException e) {
      return out;
    }
    return out;
  }

  private static void signal(int pid, int sig) {
    try {
      Libc.INSTANCE.kill(pid, sig);
    } catch (LastErrorException gone) {
      // already gone
    }
  }
}
