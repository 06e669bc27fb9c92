package dev.jcri.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removing directory trees without following symlinks out of them. */
public final class FileTrees {

  private FileTrees() {}

  /** Deletes {@code dir} and everything below it; a missing tree is fine. Symlinks are removed, not followed. */
  public static void delete(Path dir) {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
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
}
