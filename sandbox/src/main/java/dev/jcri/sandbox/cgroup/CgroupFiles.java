package dev.jcri.sandbox.cgroup;

import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.InvalidArgumentException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Reading and writing cgroup control files. */
final class CgroupFiles {

  private CgroupFiles() {}

  static void write(Path file, String value) {
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new FailedPreconditionException("writing \"" + value + "\" to " + file + " failed: " + e.getMessage(), e);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (NoSuchFileException e) {
      return "";
    } catch (IOException e) {
      throw new FailedPreconditionException("reading " + file + " failed: " + e.getMessage(), e);
    }
  }

  static long readLong(Path file) {
    String v = read(file);
    if (v.isEmpty() || v.equals("max")) {
      return 0;
    }
    try {
      return Long.parseLong(v.split("\\s+")[0]);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** A key's value in a flat-keyed file such as memory.stat. */
  static long statValue(Path file, String key) {
    for (String line : read(file).split("\n")) {
      String[] f = line.split(" ");
      if (f.length == 2 && f[0].equals(key)) {
        return Long.parseLong(f[1]);
      }
    }
    return 0;
  }

  /**
   * Removes the cgroups {@code create} made, deepest first, each in every directory {@code dirsOf} gives for
   * it. A parent jcri made stays while other cgroups use it; the cgroup itself must go, or this fails.
   */
  static void removeCreated(List<String> created,
      Function<String, List<Path>> dirsOf) {
    List<String> problems = new ArrayList<>();
    for (int i = created.size() - 1; i >= 0; i--) {
      for (Path dir : dirsOf.apply(clean(created.get(i)))) {
        try {
          Files.deleteIfExists(dir);
        } catch (IOException e) {
          if (i == created.size() - 1) {
            problems.add(dir + ": " + e.getMessage() + " (tasks or child cgroups still inside)");
          }
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new FailedPreconditionException("removing cgroups failed: " + problems);
    }
  }

  static String clean(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    if (p.contains("..")) {
      throw new InvalidArgumentException("cgroup path \"" + path + "\" must not contain \"..\"");
    }
    return p;
  }
}
