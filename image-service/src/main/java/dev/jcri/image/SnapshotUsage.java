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

  /** kubelet asks every few seconds; walking a large snapshot tree that often is wasted work. */
  private static final long CACHE_NANOS = 5_000_000_000L;

  private final Path dir;
  private volatile ImageService.Usage cached;
  private volatile long cachedAt;

  SnapshotUsage(Path dir) {
    this.dir = dir;
  }

  ImageService.Usage get() {
    ImageService.Usage u = cached;
    if (u != null && System.nanoTime() - cachedAt < CACHE_NANOS) {
      return u;
    }
    u = measure();
    cached = u;
    cachedAt = System.nanoTime();
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
