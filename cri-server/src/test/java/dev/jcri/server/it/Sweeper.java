package dev.jcri.server.it;

import dev.jcri.common.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The last line of a test's cleanup, for when the test failed before jcri could remove its pods: unmounts
 * everything under the test's directory and removes the cgroups of the pods it started.
 */
final class Sweeper {

  private Sweeper() {}

  static void sweep(Path dir, List<String> podIds) throws IOException {
    List<String> mounts = Files.readAllLines(Path.of("/proc/self/mounts")).stream()
        .map(l -> l.split(" ")[1])
        .filter(m -> m.startsWith(dir.toString()))
        .sorted(Comparator.reverseOrder())
        .toList();
    for (String m : mounts) {
      try {
        Libc.INSTANCE.umount2(m, Libc.MNT_DETACH);
      } catch (RuntimeException e) {
        // already gone
      }
    }
    try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
      for (Path h : hierarchies.toList()) {
        for (String id : podIds) {
          try {
            Files.deleteIfExists(h.resolve("jcri").resolve("pod-" + id));
          } catch (IOException busy) {
            // a failed test left processes in it; reported by the test's own failure, not hidden by this one
            System.err.println("sweeper: cannot remove " + h.resolve("jcri").resolve("pod-" + id) + ": " + busy);
          }
        }
        try {
          Files.deleteIfExists(h.resolve("jcri"));
        } catch (IOException busy) {
          // another jcri's pods live there
        }
      }
    }
  }
}
