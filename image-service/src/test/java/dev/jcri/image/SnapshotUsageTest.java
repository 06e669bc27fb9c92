package dev.jcri.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SnapshotUsageTest {

  private static ImageService.Usage figure(long bytes) {
    return new ImageService.Usage(Path.of("/snapshots"), bytes, 1, Instant.now());
  }

  @Test
  void afterAChange_aCallerThatMayNotWaitGetsTheFigureFromBefore_othersWaitForTheNewWalk() throws Exception {
    AtomicReference<CountDownLatch> gate = new AtomicReference<>(new CountDownLatch(0));
    AtomicReference<ImageService.Usage> next = new AtomicReference<>(figure(100));
    SnapshotUsage usage = new SnapshotUsage(Path.of("/snapshots"), () -> {
      try {
        gate.get().await();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return next.get();
    });
    assertFalse(usage.current(), "no figure before the first walk");
    assertEquals(100, usage.get(false).bytes(), "with no figure ever, even a caller that may not wait waits once");
    assertTrue(usage.current());

    CountDownLatch slowWalk = new CountDownLatch(1);
    gate.set(slowWalk);
    next.set(figure(200));
    usage.changed(); // a pull: the figure is dropped, a walk starts and is held at the gate
    assertFalse(usage.current());
    ImageService.Usage meanwhile = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> usage.get(false));
    assertEquals(100, meanwhile.bytes(), "the figure from before the change, at once");

    slowWalk.countDown();
    assertEquals(200, usage.get(true).bytes(), "a caller that may wait gets the walk the change started");
    assertTrue(usage.current());
    assertEquals(200, usage.get(false).bytes());
  }

  @Test
  void measuresTheTree(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    java.nio.file.Files.writeString(dir.resolve("a"), "12345");
    java.nio.file.Files.createDirectories(dir.resolve("d"));
    ImageService.Usage u = new SnapshotUsage(dir).get();
    assertEquals(5, u.bytes());
    assertEquals(3, u.inodes(), "the directory itself, its subdirectory and the file");
  }
}
