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
    return statValues(file, key)[0];
  }

  /**
   * The values of {@code keys} in a flat-keyed file, read once (0 for a key it lacks): the stats sampler takes
   * two figures from each memory.stat of every container and pod.
   */
  static long[] statValues(Path file, String... keys) {
    long[] values = new long[keys.length];
    boolean[] done = new boolean[keys.length];
    String text = read(file);
    int found = 0;
    for (int start = 0; start < text.length() && found < keys.length; ) {
      int end = text.indexOf('\n', start);
      if (end < 0) {
        end = text.length();
      }
      int space = text.indexOf(' ', start);
      if (space > start && space < end) {
        for (int k = 0; k < keys.length; k++) {
          if (!done[k] && keys[k].length() == space - start && text.startsWith(keys[k], start)) {
            try {
              values[k] = Long.parseLong(text, space + 1, end, 10);
              done[k] = true;
              found++;
            } catch (NumberFormatException notOneNumber) {
              // not "key value": left at 0, as a missing key
            }
          }
        }
      }
      start = end + 1;
    }
    return values;
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
