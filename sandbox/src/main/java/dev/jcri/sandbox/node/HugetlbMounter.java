package dev.jcri.sandbox.node;

import com.sun.jna.LastErrorException;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.Libc;
import dev.jcri.common.Log;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * On a hybrid cgroup host whose hugetlb controller is not mounted as a v1 hierarchy, the controller sits on
 * the cgroup2 mount and crun refuses to run ("cgroups in hybrid mode not supported"). systemd mounts every
 * v1 controller on such hosts; this does the same for hugetlb.
 */
public final class HugetlbMounter {

  private static final Log LOG = Log.of(HugetlbMounter.class);
  private static final String CONTROLLER = "hugetlb";

  private HugetlbMounter() {}

  /** Where the v1 hugetlb hierarchy should be mounted, or null when nothing needs doing. */
  public static Path neededMount(CgroupLayout layout, String procCgroups, String unifiedControllers) {
    if (layout.mode() != CgroupLayout.Mode.HYBRID || layout.v1Controllers().containsKey(CONTROLLER)) {
      return null;
    }
    boolean known = procCgroups.lines()
        .map(l -> l.split("\\s+"))
        .anyMatch(f -> f.length >= 4 && f[0].equals(CONTROLLER) && f[3].equals("1"));
    boolean onUnified = unifiedControllers != null
        && Arrays.asList(unifiedControllers.strip().split("\\s+")).contains(CONTROLLER);
    Path root = layout.v1Root();
    return known && onUnified && root != null ? root.resolve(CONTROLLER) : null;
  }

  /** Host view of {@link #neededMount}. */
  public static Path neededMountOnHost(CgroupLayout layout) {
    if (layout.mode() != CgroupLayout.Mode.HYBRID) {
      return null;
    }
    try {
      String controllers = layout.unifiedMount() == null ? null
          : Files.readString(layout.unifiedMount().resolve("cgroup.controllers"));
      return neededMount(layout, Files.readString(Path.of("/proc/cgroups")), controllers);
    } catch (IOException e) {
      throw new UncheckedIOException("reading the cgroup layout", e);
    }
  }

  /** Mounts the v1 hugetlb hierarchy when the host needs it; returns where, or null when not needed. */
  public static Path mountIfNeeded() {
    Path target = neededMountOnHost(CgroupLayout.ofHost());
    if (target == null) {
      return null;
    }
    try {
      Files.createDirectories(target);
      Libc.INSTANCE.mount("cgroup", target.toString(), "cgroup",
          Libc.MS_NOSUID | Libc.MS_NODEV | Libc.MS_NOEXEC, CONTROLLER);
    } catch (IOException e) {
      throw new FailedPreconditionException("cannot create " + target + " for the v1 hugetlb hierarchy: "
          + e.getMessage(), e);
    } catch (LastErrorException e) {
      throw new FailedPreconditionException("cannot mount the v1 hugetlb hierarchy at " + target + ": "
          + Libc.describe(e) + "; crun refuses to run on this hybrid host until it is mounted"
          + " (mount -t cgroup -o hugetlb cgroup " + target + ")", e);
    }
    LOG.info("mounted the v1 hugetlb cgroup hierarchy, as systemd does on hybrid hosts, so crun can run",
        "path", target);
    return target;
  }
}
