package dev.jcri.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;

/** Bytes and inodes under the snapshot directory, for ImageFsInfo; measured at most every few seconds. */
final class SnapshotUsage {

  /** kubelet asks every 10 s; walking a large snapshot tree that often, while it waits, is wasted time. */
  private static final long CACHE_NANOS = 5_000_000_000L;

  private final Path dir;
  private volatile ImageService.Usage cached;
  private volatile long cachedAt;
  private long generation;
  private final java.util.concurrent.atomic.AtomicBoolean refreshing = new java.util.concurrent.atomic.AtomicBoolean();

  SnapshotUsage(Path dir) {
    this.dir = dir;
  }

  /**
   * The usage: measured on the first call and the first after a change; after that the last figure (stamped
   * with its time) at once, and when it is older than 5 s a new walk in the background for the next caller.
   */
  ImageService.Usage get() {
    ImageService.Usage u = cached;
    if (u == null) {
      return refresh();
    }
    if (System.nanoTime() - cachedAt >= CACHE_NANOS && refreshing.compareAndSet(false, true)) {
      Thread.ofVirtual().name("snapshot-usage").start(() -> {
        try {
          refresh();
        } finally {
          refreshing.set(false);
        }
      });
    }
    return u;
  }

  /** The snapshots changed (a pull, a collection): the next call measures again before it answers. */
  void changed() {
    synchronized (this) {
      generation++;
      cached = null;
    }
  }

  private ImageService.Usage refresh() {
    long g;
    synchronized (this) {
      g = generation;
    }
    ImageService.Usage u = measure();
    synchronized (this) {
      if (g == generation) { // a walk that began before a change does not stand for after it
        cached = u;
        cachedAt = System.nanoTime();
      }
    }
    return u;
  }

  private ImageService.Usage measure() {
    long[] totals = new long[2];
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
          totals[1]++;
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
          totals[0] += a.size();
          totals[1]++;
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path f, IOException e) {
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("measuring " + dir, e);
    }
    return new ImageService.Usage(dir, totals[0], totals[1], Instant.now());
  }
}
