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

  /** Kills what still runs in a pod's cgroups (its infra process, containers a failed test left). */
  private static void killAll(String podId) {
    Path pod = NodeCgroups.dir("pids", "/jcri/pod-" + podId);
    if (!Files.isDirectory(pod)) {
      return;
    }
    try (Stream<Path> procs = Files.walk(pod)) {
      for (Path p : procs.filter(f -> f.getFileName().toString().equals("cgroup.procs")).toList()) {
        for (String pid : Files.readAllLines(p)) {
          try {
            Libc.INSTANCE.kill(Integer.parseInt(pid.strip()), 9);
          } catch (RuntimeException gone) {
            // exited meanwhile
          }
        }
      }
      Thread.sleep(200);
    } catch (IOException | InterruptedException e) {
      System.err.println("sweeper: cannot kill what runs in " + pod + ": " + e);
    }
  }

  /** Under the systemd driver: stops the slice of jcri's own a failed test left (with what runs in it). */
  private static void stopSlice(String podId) {
    if (!dev.jcri.sandbox.node.CgroupDriver.systemdRunning()) {
      return;
    }
    try {
      new ProcessBuilder("systemctl", "stop", "jcri-pod" + podId + ".slice").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    } catch (IOException e) {
      System.err.println("sweeper: cannot stop the slice of pod " + podId + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

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
    for (String id : podIds) {
      killAll(id);
      stopSlice(id);
    }
    for (Path h : NodeCgroups.roots()) {
      for (String id : podIds) {
        try {
          Path pod = h.resolve("jcri").resolve("pod-" + id);
          if (Files.isDirectory(pod)) {
            try (Stream<Path> below = Files.walk(pod)) {
              for (Path d : below.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(d);
              }
            }
          }
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
