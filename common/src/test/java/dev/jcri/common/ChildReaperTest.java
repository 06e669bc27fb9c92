package dev.jcri.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The test JVM made a subreaper, as jcri's process is: an orphan a helper leaves comes here and is reaped; a
 * child jcri spawned keeps its exit code for its own waiter however often the sweep runs.
 */
class ChildReaperTest {

  static ChildReaper reaper;

  @BeforeAll
  static void subreaper() {
    reaper = new ChildReaper(Duration.ofHours(1)); // swept by hand here
    reaper.start();
  }

  @AfterAll
  static void close() {
    reaper.close();
  }

  @Test
  void anOrphan_comesHere_andIsReaped() throws Exception {
    Path pidFile = Files.createTempFile("orphan", ".pid");
    try {
      HelperProcess parent = Spawn.of("sh", "-c", "sleep 0.3 & echo $! > " + pidFile + "; exit 0").start();
      assertTrue(parent.waitFor(10, TimeUnit.SECONDS));
      int orphan = Integer.parseInt(Files.readString(pidFile).strip());
      assertTrue(ChildReaper.children().contains(orphan), "the orphan is this process's child now");
      ChildReaper.reapExited(orphan, Duration.ofSeconds(10));
      assertFalse(Files.exists(Path.of("/proc/" + orphan)), "reaped, not a zombie");

      HelperProcess again = Spawn.of("sh", "-c", "sleep 0.1 & echo $! > " + pidFile + "; exit 0").start();
      assertTrue(again.waitFor(10, TimeUnit.SECONDS));
      int second = Integer.parseInt(Files.readString(pidFile).strip());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (Files.exists(Path.of("/proc/" + second)) && System.nanoTime() < deadline) {
        reaper.sweep();
        Thread.sleep(20);
      }
      assertFalse(Files.exists(Path.of("/proc/" + second)), "the sweep reaps an orphan nobody stopped");
    } finally {
      Files.deleteIfExists(pidFile);
    }
  }

  @Test
  void spawnedChildren_keepTheirExitCodes_whileTheSweepRuns() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    Thread sweeping = Thread.ofPlatform().start(() -> {
      while (!stop.get()) {
        reaper.sweep();
      }
    });
    try {
      for (int i = 0; i < 100; i++) {
        HelperProcess p = Spawn.of("sh", "-c", "exit 7").start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(7, p.exitValue(), "run " + i);
      }
    } finally {
      stop.set(true);
      sweeping.join();
    }
  }
}
