package dev.jcri.sandbox.cgroup;

import dev.jcri.sandbox.node.CgroupLayout;
import java.util.List;

/**
 * Makes and removes cgroups and applies resources, by a slash-separated path such as
 * {@code /kubepods/burstable/pod<uid>} below the root of each hierarchy.
 */
public interface CgroupManager {

  /**
   * Creates the cgroup (and missing parents) in every hierarchy.
   *
   * @return the directories created, deepest last, to be given back to {@link #remove}
   */
  List<String> create(String path);

  /** Writes the limits to the cgroup; unset values are left alone. */
  void apply(String path, CgroupResources resources);

  /** Removes the cgroups {@link #create} made, deepest first; missing ones are fine. */
  void remove(List<String> created);

  CgroupStats stats(String path);

  /** Whether the cgroup exists. */
  boolean exists(String path);

  /** Whether this is the cgroup v2 (unified) hierarchy, where {@code unified} resources apply. */
  default boolean isUnified() {
    return false;
  }

  /** Whether memory plus swap can be limited (v1 needs the kernel's swap accounting). */
  default boolean swapAccounting() {
    return isUnified();
  }

  /** The cgroupfs manager for this host's layout. */
  static CgroupManager forHost(CgroupLayout layout) {
    return layout.mode() == CgroupLayout.Mode.V2
        ? new CgroupfsV2Manager(layout.unifiedMount())
        : new CgroupfsV1Manager(layout);
  }
}
