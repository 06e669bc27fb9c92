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
  /** The latest figure, kept across changes (cached is dropped by one until the next walk ends). */
  private volatile ImageService.Usage last;
  /** Guarded by this: the generation the walk that measured {@code last} began in. */
  private long lastGeneration;
  /** Guarded by this: bumped by every change, so a walk begun before one never stands for after it. */
  private long generation;
  /** Guarded by this: the walk running now, if any. */
  private CompletableFuture<ImageService.Usage> pending;

  /** What a walk measures: the tree under the directory; tests give another. */
  private final java.util.function.Supplier<ImageService.Usage> measurer;

  SnapshotUsage(Path dir) {
    this.dir = dir;
    this.measurer = this::measure;
  }

  SnapshotUsage(Path dir, java.util.function.Supplier<ImageService.Usage> measurer) {
    this.dir = dir;
    this.measurer = measurer;
  }

  /**
   * The usage: the last figure (stamped with its time) at once, with a new walk in the background once it is 5 s
   * old; with no figure (the first call, or after a change) the walk's result, which a change starts at once, so
   * kubelet's next call seldom waits.
   */
  ImageService.Usage get() {
    return get(true);
  }

  /**
   * As {@link #get()}; a caller that may not wait (an event loop) gets, after a change, the figure from before it
   * (stamped with its time) while the walk the change started runs, if there is one.
   */
  ImageService.Usage get(boolean mayWait) {
    ImageService.Usage u = cached;
    if (u != null) {
      if (System.nanoTime() - cachedAt >= CACHE_NANOS) {
        walk();
      }
      return u;
    }
    ImageService.Usage before = last;
    if (!mayWait && before != null) {
      return before;
    }
    try {
      return walk().join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** Whether a figure measured since the last change is at hand (get answers at once). */
  boolean current() {
    return cached != null;
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
        ImageService.Usage u = measurer.get();
        synchronized (this) {
          if (g == generation) {
            cached = u;
            cachedAt = System.nanoTime();
          }
          if (g >= lastGeneration) { // a walk begun before a later one's never replaces its figure
            last = u;
            lastGeneration = g;
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
