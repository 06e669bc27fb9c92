package dev.jcri.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Bytes and inodes under the snapshot directory, for ImageFsInfo; measured at most every few seconds. */
final class SnapshotUsage {

  /** kubelet asks every 10 s; walking a large snapshot tree that often, while it waits, is wasted time. */
  private static final long CACHE_NANOS = 5_000_000_000L;

  private final Path dir;
  private volatile ImageService.Usage cached;
  private volatile long cachedAt;
  /** Guarded by this: bumped by every change, so a walk begun before one never stands for after it. */
  private long generation;
  /** Guarded by this: the walk running now, if any. */
  private CompletableFuture<ImageService.Usage> pending;

  SnapshotUsage(Path dir) {
    this.dir = dir;
  }

  /**
   * The usage: the last figure (stamped with its time) at once, with a new walk in the background once it is 5 s
   * old; with no figure (the first call, or after a change) the walk's result, which a change starts at once, so
   * kubelet's next call seldom waits.
   */
  ImageService.Usage get() {
    ImageService.Usage u = cached;
    if (u != null) {
      if (System.nanoTime() - cachedAt >= CACHE_NANOS) {
        walk();
      }
      return u;
    }
    try {
      return walk().join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** The snapshots changed (a pull, a collection): the figure is dropped and measured again now. */
  void changed() {
    synchronized (this) {
      generation++;
      cached = null;
      pending = null;
    }
    walk();
  }

  /** The walk running now, or a new one. */
  private synchronized CompletableFuture<ImageService.Usage> walk() {
    if (pending != null) {
      return pending;
    }
    long g = generation;
    CompletableFuture<ImageService.Usage> f = new CompletableFuture<>();
    pending = f;
    Thread.ofVirtual().name("snapshot-usage").start(() -> {
      try {
        ImageService.Usage u = measure();
        synchronized (this) {
          if (g == generation) {
            cached = u;
            cachedAt = System.nanoTime();
          }
          if (pending == f) {
            pending = null;
          }
        }
        f.complete(u);
      } catch (RuntimeException e) {
        synchronized (this) {
          if (pending == f) {
            pending = null;
          }
        }
        f.completeExceptionally(e);
      }
    });
    return f;
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
