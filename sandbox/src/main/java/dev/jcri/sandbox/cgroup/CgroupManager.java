package dev.jcri.sandbox.cgroup;

import dev.jcri.sandbox.node.CgroupLayout;
import java.util.List;

/**
 * Makes and removes cgroups and applies resources. A cgroup is named as its driver names it: with cgroupfs a
 * slash-separated path below the root of each hierarchy ({@code /kubepods/burstable/pod<uid>}), with systemd a
 * slice ({@code kubepods-burstable-pod<uid>.slice}) or a runtime's scope in one ({@code slice:prefix:name}).
 */
public interface CgroupManager {

  /** The pod's cgroup: {@code parent} as kubelet gave it, or one of jcri's own for the pod when it gave none. */
  default String podCgroup(String parent, String podId) {
    return parent.isEmpty() ? "/jcri/pod-" + podId : parent;
  }

  /** The cgroup, inside the pod's, that the OCI runtime makes for a container (its spec's cgroupsPath). */
  default String child(String pod, String name) {
    return pod + "/" + name;
  }

  /** Whether systemd manages the cgroups (the runtime then takes {@code --systemd-cgroup}). */
  default boolean systemd() {
    return false;
  }

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

  /**
   * The cgroups below {@code path} (paths of the same form, parents first): limits written to a container's cgroup
   * must reach a sub-cgroup its runtime made there (crun's "container" in a systemd scope) to take effect.
   */
  default List<String> below(String path) {
    return List.of();
  }

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
