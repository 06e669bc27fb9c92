package dev.jcri.sandbox.container;

import dev.jcri.common.FailedPreconditionException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks that a host path can propagate mounts as asked, as containerd does: HOST_TO_CONTAINER needs the
 * host mount holding the path to be shared or a slave, BIDIRECTIONAL needs it shared. Otherwise the
 * container would silently see no propagation.
 */
final class MountPropagation {

  private MountPropagation() {}

  static void require(Path hostPath, boolean shared) {
    String[] best = null;
    String target = hostPath.toAbsolutePath().normalize().toString();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] f = line.split(" ");
        String mountPoint = f[4];
        boolean under = target.equals(mountPoint) || mountPoint.equals("/")
            || target.startsWith(mountPoint.endsWith("/") ? mountPoint : mountPoint + "/");
        if (under && (best == null || mountPoint.length() >= best[4].length())) {
          best = f;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StringBuilder optional = new StringBuilder();
    for (int i = 6; best != null && i < best.length && !best[i].equals("-"); i++) {
      optional.append(best[i]).append(' ');
    }
    boolean isShared = optional.toString().contains("shared:");
    boolean isSlave = optional.toString().contains("master:");
    if (shared ? !isShared : !(isShared || isSlave)) {
      throw new FailedPreconditionException("host path " + hostPath + " is on mount " + (best == null ? "?" : best[4])
          + ", which is not a " + (shared ? "shared" : "shared or slave") + " mount; "
          + (shared ? "BIDIRECTIONAL" : "HOST_TO_CONTAINER") + " propagation needs one (mount --make-"
          + (shared ? "shared" : "rshared") + " " + (best == null ? "/" : best[4]) + ")");
    }
  }
}
