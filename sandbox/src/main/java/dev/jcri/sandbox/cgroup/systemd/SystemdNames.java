package dev.jcri.sandbox.cgroup.systemd;

import dev.jcri.common.InvalidArgumentException;

/**
 * Names in the systemd driver. A pod's cgroup is a slice ({@code kubepods-burstable-pod<uid>.slice}, each dash a
 * level: kubepods.slice/kubepods-burstable.slice/...); a container's is a scope the OCI runtime makes, given as
 * {@code slice:prefix:name} and named {@code prefix-name.scope} by systemd.
 */
public final class SystemdNames {

  /** The prefix of every scope jcri asks a runtime for (containerd's is cri-containerd, CRI-O's crio). */
  public static final String SCOPE_PREFIX = "jcri";

  private static final int MAX_UNIT_NAME = 255;

  private SystemdNames() {}

  /**
   * Checks that {@code name} is a slice name systemd takes (letters, digits, ':', '_', '.', single inner dashes,
   * ending in .slice), with a message naming what kubelet sends.
   */
  public static String checkSlice(String name) {
    if (name.length() > MAX_UNIT_NAME || !name.endsWith(".slice")) {
      throw invalidSlice(name);
    }
    String stem = name.substring(0, name.length() - ".slice".length());
    if (stem.equals("-")) {
      return name;
    }
    if (stem.isEmpty() || !stem.matches("[A-Za-z0-9:_.]+(-[A-Za-z0-9:_.]+)*")) {
      throw invalidSlice(name);
    }
    return name;
  }

  /**
   * The slice a pod's cgroup parent names: the slice's name, or the path of its cgroup as kubelet sends it with
   * cgroupDriver: systemd ({@code /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice},
   * kubelet's CgroupName.ToSystemd) and critest ({@code /test.slice}). A path is taken only where the slice it
   * ends in lives, so a pod never lands somewhere other than the path says.
   */
  public static String podSlice(String parent) {
    if (!parent.startsWith("/")) {
      return checkSlice(parent);
    }
    String slice = parent.substring(parent.lastIndexOf('/') + 1);
    try {
      checkSlice(slice);
    } catch (InvalidArgumentException e) {
      throw invalidSlice(parent);
    }
    if (!slicePath(slice).equals(parent)) {
      String shown = parent.length() > 120 ? parent.substring(0, 120) + "..." : parent;
      throw new InvalidArgumentException("cgroup parent \"" + shown.replaceAll("\\p{Cntrl}", "?") + "\" ends in"
          + " the slice " + slice + ", whose cgroup systemd keeps at " + slicePath(slice) + ", not there: send the"
          + " slice's name or that path");
    }
    return slice;
  }

  private static InvalidArgumentException invalidSlice(String name) {
    String shown = name.length() > 80 ? name.substring(0, 80) + "..." : name;
    return new InvalidArgumentException("cgroup parent \"" + shown.replaceAll("\\p{Cntrl}", "?") + "\" is not a"
        + " systemd slice name: with the systemd cgroup driver it must be one, such as"
        + " kubepods-burstable-pod<uid>.slice or its cgroup's path"
        + " /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice (what kubelet sends with"
        + " cgroupDriver: systemd)");
  }

  /** Where a slice's cgroup is, from the hierarchy's root: a-b-c.slice is /a.slice/a-b.slice/a-b-c.slice. */
  public static String slicePath(String slice) {
    checkSlice(slice);
    String stem = slice.substring(0, slice.length() - ".slice".length());
    if (stem.equals("-")) {
      return "/";
    }
    StringBuilder path = new StringBuilder();
    int at = 0;
    while (true) {
      int dash = stem.indexOf('-', at);
      String prefix = dash < 0 ? stem : stem.substring(0, dash);
      path.append('/').append(prefix).append(".slice");
      if (dash < 0) {
        return path.toString();
      }
      at = dash + 1;
    }
  }

  /** The cgroupsPath for a runtime-made scope of {@code name} in {@code slice}. */
  public static String scopeSpec(String slice, String name) {
    return checkSlice(slice) + ":" + SCOPE_PREFIX + ":" + name;
  }

  /** The unit behind a cgroup of the driver: the slice itself, or the scope a {@code slice:prefix:name} names. */
  public static String unitOf(String cgroup) {
    String[] parts = cgroup.split(":", -1);
    if (parts.length == 1) {
      return checkSlice(cgroup);
    }
    if (parts.length != 3 || parts[1].isEmpty() || parts[2].isEmpty()) {
      throw new InvalidArgumentException("\"" + cgroup + "\" is neither a slice nor slice:prefix:name");
    }
    return parts[1] + "-" + parts[2] + ".scope";
  }

  /** Where the cgroup of a slice or {@code slice:prefix:name} scope is, from the hierarchy's root. */
  public static String cgroupfsPath(String cgroup) {
    String[] parts = cgroup.split(":", -1);
    if (parts.length == 1) {
      return slicePath(cgroup);
    }
    String slice = slicePath(parts[0]);
    return (slice.equals("/") ? "" : slice) + "/" + unitOf(cgroup);
  }
}
