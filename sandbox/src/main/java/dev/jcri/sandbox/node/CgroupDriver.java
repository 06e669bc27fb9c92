package dev.jcri.sandbox.node;

import java.nio.file.Files;
import java.nio.file.Path;

/** Who manages the cgroup tree: jcri writing cgroupfs itself, or systemd through its D-Bus API. */
public enum CgroupDriver {
  CGROUPFS,
  SYSTEMD;

  /** systemd when it runs as init (it creates /run/systemd/system then), else cgroupfs. */
  public static CgroupDriver detect() {
    return systemdRunning() ? SYSTEMD : CGROUPFS;
  }

  public static boolean systemdRunning() {
    return Files.isDirectory(Path.of("/run/systemd/system"));
  }
}
