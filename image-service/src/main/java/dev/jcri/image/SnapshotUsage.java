package dev.jcri.image;

import dev.jcri.common.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

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
  private final Supplier<ImageService.Usage> measurer;

  /** The ids of the committed snapshots now (read-only layers: measured once each, see {@link #measure}). */
  private final Supplier<Set<Long>> committed;
  /** Bytes and inodes of each committed snapshot's directory, by id. */
  private final Map<Long, long[]> committedUsage = new ConcurrentHashMap<>();

  /**
   * @param committed the ids of the committed snapshots at the time of asking: their directories never change,
   *     so each is walked once, not every few seconds with the writable layers
   */
  SnapshotUsage(Path dir, Supplier<Set<Long>> committed) {
    this.dir = dir;
    this.committed = committed;
    this.measurer = this::measure;
  }

  private SnapshotUsage(Path dir, Supplier<ImageService.Usage> measurer, Void unused) {
    this.dir = dir;
    this.committed = Set::of;
    this.measurer = measurer;
  }

  /** A usage whose walks are {@code measurer}'s (tests). */
  static SnapshotUsage measuredBy(Path dir, Supplier<ImageService.Usage> measurer) {
    return new SnapshotUsage(dir, measurer, null);
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

  /**
   * Walks the snapshot directory: the writable layers (active snapshots) and what else is there every time, a
   * committed snapshot (an image layer, read-only once committed) only the first time (containerd's snapshotter
   * likewise keeps a committed snapshot's size from its commit). A node's images can hold hundreds of thousands
   * of files; kubelet asks every 10 s.
   */
  private ImageService.Usage measure() {
    Set<Long> done = committed.get();
    committedUsage.keySet().retainAll(done);
    long[] totals = {0, 1}; // the directory itself
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        Long id = snapshotId(entry.getFileName().toString());
        long[] u = id != null && done.contains(id) ? committedUsage.computeIfAbsent(id, k -> FileTrees.usage(entry))
            : FileTrees.usage(entry);
        totals[0] += u[0];
        totals[1] += u[1];
      }
    } catch (IOException e) {
      throw new UncheckedIOException("measuring " + dir, e);
    }
    return new ImageService.Usage(dir, totals[0], totals[1], Instant.now());
  }

  private static Long snapshotId(String name) {
    if (name.isEmpty() || name.length() > 18 || !name.chars().allMatch(Character::isDigit)) {
      return null;
    }
    return Long.parseLong(name);
  }
}
