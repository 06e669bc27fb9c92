package dev.jcri.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpawnTest {

  private static String read(java.io.InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void exitCodesAndSignals() throws Exception {
    assertEquals(0, Spawn.of("/bin/true").start().waitFor());
    assertEquals(7, Spawn.of("/bin/sh", "-c", "exit 7").start().waitFor());
    assertEquals(128 + 15, Spawn.of("/bin/sh", "-c", "kill -TERM $$").start().waitFor());
  }

  @Test
  void pipesBothWaysAndStderrApart() throws Exception {
    HelperProcess c = Spawn.of("/bin/sh", "-c", "tr a-z A-Z; echo oops >&2").stdinPipe().stdoutPipe().stderrPipe()
        .start();
    try (var in = c.stdin()) {
      in.write("hello".getBytes(StandardCharsets.UTF_8));
    }
    assertEquals("HELLO", read(c.stdout()));
    assertEquals("oops\n", read(c.stderr()));
    assertEquals(0, c.waitFor());
  }

  @Test
  void stderrMergedAndFilesAndEnvAndDir(@TempDir Path dir) throws Exception {
    HelperProcess c = Spawn.of("/bin/sh", "-c", "echo $JCRI_T; pwd; echo err >&2").env("JCRI_T", "v1").dir(dir)
        .stdoutPipe().stderrToStdout().start();
    assertEquals("v1\n" + dir.toRealPath() + "\nerr\n", read(c.stdout()));
    c.waitFor();
    Path out = dir.resolve("out");
    Path err = dir.resolve("err");
    Files.writeString(out, "old content that must go");
    Spawn.of("/bin/sh", "-c", "echo o; echo e >&2").stdoutTo(out).stderrTo(err).start().waitFor();
    assertEquals("o\n", Files.readString(out));
    assertEquals("e\n", Files.readString(err));
  }

  /** The environment's C array is kept between spawns: each spawn still gets its own, also when they race. */
  @Test
  void concurrentSpawnsWithDifferentEnvironments_eachGetsItsOwn() throws Exception {
    List<java.util.concurrent.Future<String>> runs = new ArrayList<>();
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      for (int i = 0; i < 60; i++) {
        String v = "v" + (i % 3);
        runs.add(pool.submit(() -> {
          HelperProcess c = Spawn.of("/bin/sh", "-c", "echo $JCRI_T").env("JCRI_T", v).stdoutPipe().start();
          String out = read(c.stdout()).strip();
          c.waitFor();
          return v + "=" + out;
        }));
      }
      for (var r : runs) {
        String[] got = r.get(30, TimeUnit.SECONDS).split("=");
        assertEquals(got[0], got.length > 1 ? got[1] : "", "a spawn ran with another spawn's environment");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void programLookedUpInPathAndMissingOneRefused() throws Exception {
    HelperProcess c = Spawn.of("echo", "x").stdoutPipe().start();
    assertEquals("x\n", read(c.stdout()));
    IOException e = assertThrows(IOException.class, () -> Spawn.of("/nonexistent/prog").start());
    assertTrue(e.getMessage().contains("/nonexistent/prog"), e.getMessage());
  }

  /** The child sees stdio and the descriptors handed to it, nothing else jcri has open. */
  @Test
  void onlyTheGivenDescriptorsReachTheChild(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("f");
    Files.writeString(f, "through fd 5\n");
    // Opened without O_CLOEXEC, as JDK streams are: it still must not reach a child as anything but fd 5.
    int fd = Libc.INSTANCE.open(f.toString(), Libc.O_RDONLY);
    try {
      HelperProcess c = Spawn.of("/bin/sh", "-c", "cat <&5; ls /proc/self/fd").fd(5, fd).stdoutPipe().start();
      String[] lines = read(c.stdout()).split("\n");
      assertEquals("through fd 5", lines[0]);
      List<String> fds = new ArrayList<>(List.of(lines).subList(1, lines.length));
      // ls's own directory descriptor is the one more.
      assertTrue(fds.size() <= 5 && fds.containsAll(List.of("0", "1", "2", "5")), fds.toString());
      c.waitFor();
    } finally {
      Libc.INSTANCE.close(fd);
    }
  }

  @Test
  void aPipeIsTakenOnce() throws Exception {
    HelperProcess c = Spawn.of("/bin/true").stdoutPipe().start();
    c.stdout().close();
    assertThrows(IllegalStateException.class, c::stdout);
    assertThrows(IllegalStateException.class, c::stderrFd);
    c.waitFor();
  }

  @Test
  void timeoutThenKill() throws Exception {
    HelperProcess c = Spawn.of("/bin/sleep", "30").start();
    assertFalse(c.waitFor(100, TimeUnit.MILLISECONDS));
    assertTrue(c.isAlive());
    c.kill();
    assertTrue(c.waitFor(5, TimeUnit.SECONDS));
    assertEquals(128 + 9, c.exitValue());
    c.kill();
  }

  @Test
  void manySpawnsLeakNoDescriptor() throws Exception {
    int before = Files.list(Path.of("/proc/self/fd")).toList().size();
    for (int i = 0; i < 50; i++) {
      HelperProcess c = Spawn.of("/bin/echo", "x").stdoutPipe().stderrPipe().stdinPipe().start();
      c.stdin().close();
      try (var out = c.stdout()) {
        assertArrayEquals("x\n".getBytes(StandardCharsets.UTF_8), out.readAllBytes());
      }
      c.closePipes();
      assertEquals(0, c.waitFor());
    }
    int after = Files.list(Path.of("/proc/self/fd")).toList().size();
    assertTrue(after <= before + 2, before + " -> " + after);
  }
}
