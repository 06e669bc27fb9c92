package dev.jcri.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Writes a file so that a reader, or jcri after a crash, sees either the old content or the new, never a
 * mix: the bytes go to a temp file beside the target, are fsync'd, renamed over the target, and the
 * directory is fsync'd so the rename itself is durable.
 */
public final class AtomicFiles {

  /** Temp files carry this infix so that start-up can sweep the ones a crash left behind. */
  public static final String TEMP_INFIX = ".jcri-tmp-";

  private AtomicFiles() {}

  /** Deletes the temp files a crash left in {@code dir} (not below it); returns how many. */
  public static int sweepTemps(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    int n = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().contains(TEMP_INFIX)).toList()) {
        Files.deleteIfExists(f);
        n++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("sweeping temp files in " + dir, e);
    }
    return n;
  }

  public static void write(Path target, byte[] content) {
    Path dir = target.toAbsolutePath().getParent();
    Path temp = dir.resolve(target.getFileName() + TEMP_INFIX
        + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      if (!Files.isDirectory(dir)) {
        OwnerOnly.dir(dir);
      }
      // Records hold containers' environments and pods' secrets: 0600 from the first byte.
      try (FileChannel ch = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(OwnerOnly.FILE))) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot replace " + target + " atomically", e);
      }
      syncDirectory(dir);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new UncheckedIOException("writing " + target + ": " + e.getMessage(), e);
    }
  }

  /** Makes renames and creations inside {@code dir} durable. */
  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
