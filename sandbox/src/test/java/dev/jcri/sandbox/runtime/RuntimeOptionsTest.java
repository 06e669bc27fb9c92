package dev.jcri.sandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuntimeOptionsTest {

  @Test
  void cgroupfs_onlyTheRoot() {
    RuntimeOptions o = new RuntimeOptions(Path.of("/run/jcri/crun"), false);
    assertEquals(List.of("--root=/run/jcri/crun"), o.args());
    assertEquals(List.of("--runtime-arg", "--root=/run/jcri/crun"), o.conmonArgs());
  }

  /** Every runtime call takes --systemd-cgroup, and conmon's own flag tells it where the container's cgroup is. */
  @Test
  void systemd_reachesTheRuntimeAndConmon() {
    RuntimeOptions o = new RuntimeOptions(Path.of("/r"), true);
    assertEquals(List.of("--root=/r", "--systemd-cgroup"), o.args());
    assertEquals(List.of("--runtime-arg", "--root=/r", "--runtime-arg", "--systemd-cgroup", "--systemd-cgroup"),
        o.conmonArgs());
  }
}
