package dev.jcri.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Measuring and removing directory trees without following symlinks out of them. */
public final class FileTrees {

  private FileTrees() {}

  /**
   * Bytes of the regular files and number of entries (directories included, {@code start} too) in the tree at
   * {@code start}, with one stat per entry (the walk's own); what vanishes meanwhile, or cannot be read, is
   * skipped. Symlinks are counted as entries, not followed.
   */
  public static long[] usage(Path start) {
    long[] totals = new long[2];
    try {
      Files.walkFileTree(start, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
          totals[1]++;
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
          totals[1]++;
          if (a.isRegularFile()) {
            totals[0] += a.size();
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path f, IOException e) {
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      // the visitor throws nothing; a walk that cannot go on counts what it saw
    }
    return totals;
  }

  /**
   * Deletes {@code dir} and everything below it; a missing tree is fine. Symlinks are removed, not followed.
   * Mounts inside the tree are detached first, so a bind mount left behind (a volume, a layer) never has its
   * contents deleted through it; if one cannot be detached, nothing is deleted.
   */
  public static void delete(Path dir) {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    for (String m : mountsUnder(dir)) {
      try {
        Libc.INSTANCE.umount2(m, Libc.MNT_DETACH);
      } catch (RuntimeException ignored) {
        // checked below
      }
    }
    List<String> left = mountsUnder(dir);
    if (!left.isEmpty()) {
      throw new UncheckedIOException(new IOException("not removing " + dir + ": still mounted inside: " + left));
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (NoSuchFileException e) {
      // removed meanwhile
    } catch (IOException e) {
      throw new UncheckedIOException("removing " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Mount points at or below {@code dir}, deepest first. */
  static List<String> mountsUnder(Path dir) {
    String root = dir.toAbsolutePath().normalize().toString();
    try {
      return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
          .map(l -> l.split(" ")[1].replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n")
              .replace("\\134", "\\"))
          .filter(m -> m.equals(root) || m.startsWith(root + "/"))
          .sorted(Comparator.comparingInt(String::length).reversed())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("reading /proc/self/mounts: " + e.getMessage(), e);
    }
  }
}
