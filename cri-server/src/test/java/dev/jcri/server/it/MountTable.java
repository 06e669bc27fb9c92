package dev.jcri.server.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Mount points under a test's directory, as /proc/self/mounts lists them. */
final class MountTable {

  private MountTable() {}

  /** Every mount point under {@code dir}. */
  static List<String> under(Path dir) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(l -> l.split(" ")[1])
        .filter(m -> m.startsWith(dir.toString())).toList();
  }

  /** Whether {@code mountPoint} is one of the read-only runtime binaries a running jcri keeps in its state dir. */
  static boolean isRuntimeBinary(String mountPoint) {
    return mountPoint.matches(".*/runtimes/[^/]+");
  }

  /**
   * The mounts under {@code dir} that a pod or container left: all but a running jcri's runtime binaries and the
   * tmpfs JcriFixture keeps its state on (as /run is on a node).
   */
  static List<String> leftUnder(Path dir) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(l -> l.split(" "))
        .filter(f -> f[1].startsWith(dir.toString()))
        .filter(f -> !isRuntimeBinary(f[1]) && !(f[2].equals("tmpfs") && f[1].endsWith("/jcri/run")))
        .map(f -> f[1]).toList();
  }
}
