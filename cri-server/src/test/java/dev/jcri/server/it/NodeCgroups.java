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
