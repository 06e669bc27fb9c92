package dev.jcri.sandbox.node;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who manages the cgroup tree: jcri writing cgroupfs itself, or systemd through its D-Bus API (a value the CRI
 * knows; jcri does not run that driver yet and refuses a configuration that asks for it).
 */
public enum CgroupDriver {
  CGROUPFS,
  SYSTEMD;

  /** Whether systemd runs as init (it creates /run/systemd/system then). */  public static boolean systemdRunning() {
    return Files.isDirectory(Path.of("/run/systemd/system"));
  }
}
