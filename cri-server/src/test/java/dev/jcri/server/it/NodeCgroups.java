package dev.jcri.server.it;

import dev.jcri.sandbox.node.CgroupLayout;
import java.nio.file.Path;
import java.util.List;

/** Where cgroup files are on this node: a v1 controller's hierarchy on hybrid nodes, the unified one on v2. */
final class NodeCgroups {

  static final CgroupLayout LAYOUT = CgroupLayout.ofHost();

  private NodeCgroups() {}

  static boolean unified() {
    return LAYOUT.mode() == CgroupLayout.Mode.V2;
  }

  /** The directory of {@code path} (from the hierarchy's root) in {@code v1Controller}'s hierarchy, or on v2. */
  static Path dir(String v1Controller, String path) {
    Path root = unified() ? LAYOUT.unifiedMount() : LAYOUT.v1Controllers().get(v1Controller);
    return root.resolve(path.replaceFirst("^/+", ""));
  }

  /**
   * The pod cgroups ({@code pod-<id>}) under {@code /jcri} in every hierarchy now: a jcri the node runs puts the
   * pods crictl makes (no cgroup parent given) there too, so a test's check for pods it left behind looks only
   * at the ones that were not there when it began.
   */
  static java.util.Set<String> podCgroupsNow() {
    java.util.Set<String> ids = new java.util.TreeSet<>();
    for (Path h : roots()) {
      try (var s = java.nio.file.Files.list(h.resolve("jcri"))) {
        s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("pod-")).forEach(ids::add);
      } catch (java.io.IOException none) {
        // no jcri cgroup in this hierarchy
      }
    }
    return ids;
  }

  /** Whether {@code name} ({@code pod-<id>}) is a pod cgroup of another jcri, there before the test began. */
  static boolean others(String name) {
    return BEFORE.contains(name);
  }

  /** Read once, when the first test's paths are made (before any test's jcri made a pod). */
  private static final java.util.Set<String> BEFORE = podCgroupsNow();

  /** Takes the snapshot of other jcris' pod cgroups, if not taken yet. */
  static void noteOthers() {
    // reading BEFORE initialises the class, which takes it
  }

  /**
   * The root of every hierarchy where cgroups of jcri's pods appear: on hybrid nodes the v1 ones and the cgroup2
   * one, where crun makes each container's cgroup too.
   */
  static List<Path> roots() {
    List<Path> roots = new java.util.ArrayList<>(LAYOUT.v1Controllers().values().stream().distinct().toList());
    if (LAYOUT.unifiedMount() != null) {
      roots.add(LAYOUT.unifiedMount());
    }
    return roots;
  }
}
