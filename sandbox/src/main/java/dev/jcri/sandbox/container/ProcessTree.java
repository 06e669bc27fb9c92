package dev.jcri.sandbox.container;

import com.sun.jna.LastErrorException;
import dev.jcri.common.Libc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A process and everything it started, found through /proc's parent links. An ExecSync that times out ends its
 * whole tree: killing only the exec'd process leaves what it started (a shell's {@code sleep}) running, reparented
 * to the container's init.
 */
final class ProcessTree {

  private static final int SIGKILL = 9;
  private static final int SIGSTOP = 19;

  private ProcessTree() {}

  /**
   * Stops {@code root} and its descendants (again until no new one appears, so none forks away meanwhile), then
   * kills them all. A process gone in between is no error.
   */
  static void kill(int root) {
    Set<Integer> tree = new LinkedHashSet<>();
    for (int round = 0; round < 5; round++) {
      Set<Integer> now = descendants(parents(), root);
      now.add(root);
      if (!tree.addAll(now) && round > 0) {
        break;
      }
      now.forEach(pid -> signal(pid, SIGSTOP));
    }
    tree.forEach(pid -> signal(pid, SIGKILL));
  }

  /** The descendants of {@code root} in a map of pid to parent pid. */
  static Set<Integer> descendants(Map<Integer, Integer> parentOf, int root) {
    Map<Integer, List<Integer>> children = new HashMap<>();
    parentOf.forEach((pid, ppid) -> children.computeIfAbsent(ppid, k -> new java.util.ArrayList<>()).add(pid));
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
        try {
          String stat = new String(Files.readAllBytes(p.resolve("stat")), StandardCharsets.ISO_8859_1);
          String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          out.put(Integer.parseInt(p.getFileName().toString()), Integer.parseInt(rest[1]));
        } catch (IOException | RuntimeException gone) {
          // exited while listed
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
