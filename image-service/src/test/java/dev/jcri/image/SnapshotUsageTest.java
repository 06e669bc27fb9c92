package dev.jcri.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
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
    SnapshotUsage usage = SnapshotUsage.measuredBy(Path.of("/snapshots"), () -> {
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
    ImageService.Usage u = new SnapshotUsage(dir, Set::of).get();
    assertEquals(5, u.bytes());
    assertEquals(3, u.inodes(), "the directory itself, its subdirectory and the file");
  }

  /**
   * A committed snapshot (an image layer) is walked once; the writable layers and the rest every time. The
   * committed layer's file is changed behind the snapshotter's back here only to show it is not walked again.
   */
  @Test
  void aCommittedSnapshotIsWalkedOnce_theWritableLayersEveryTime(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path layer = java.nio.file.Files.createDirectories(dir.resolve("1").resolve("fs"));
    java.nio.file.Files.writeString(layer.resolve("bin"), "x".repeat(1000));
    Path upper = java.nio.file.Files.createDirectories(dir.resolve("2").resolve("fs"));
    java.nio.file.Files.createDirectories(dir.resolve("2").resolve("work"));
    java.nio.file.Files.createDirectories(dir.resolve("meta"));
    java.nio.file.Files.writeString(dir.resolve("meta").resolve("1.json"), "{}");
    Set<Long> committed = new java.util.concurrent.CopyOnWriteArraySet<>(Set.of(1L));
    SnapshotUsage usage = new SnapshotUsage(dir, () -> Set.copyOf(committed));

    ImageService.Usage first = usage.get();
    assertEquals(1002, first.bytes());
    // root, 1, 1/fs, bin, 2, 2/fs, 2/work, meta, meta/1.json
    assertEquals(9, first.inodes());

    java.nio.file.Files.writeString(layer.resolve("bin"), "x".repeat(5000)); // never happens to a layer
    java.nio.file.Files.writeString(upper.resolve("written"), "y".repeat(300)); // a container writes
    usage.changed();
    ImageService.Usage second = usage.get();
    assertEquals(1302, second.bytes(), "the container's write counted, the layer's figure kept");
    assertEquals(10, second.inodes());

    committed.clear(); // the layer's image was removed: its figure is dropped, whatever is there is walked
    usage.changed();
    assertEquals(5302, usage.get().bytes());
    committed.add(2L); // the active snapshot committed (a layer unpacked): from now on measured once
    usage.changed();
    assertEquals(5302, usage.get().bytes());
    java.nio.file.Files.writeString(upper.resolve("written"), "y");
    usage.changed();
    assertEquals(5302, usage.get().bytes());
  }
}
