package dev.jcri.sandbox.cgroup;

import dev.jcri.common.FailedPreconditionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

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

  static String clean(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    if (p.contains("..")) {
      throw new dev.jcri.common.InvalidArgumentException("cgroup path \"" + path + "\" must not contain \"..\"");
    }
    return p;
  }
}
