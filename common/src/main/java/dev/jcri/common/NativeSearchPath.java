package dev.jcri.common;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where JNA looks for the C libraries jcri loads by name (libc, libcrypto): the multiarch and the generic
 * library directories that exist. Without it JNA's first load runs {@code /sbin/ldconfig -p} to learn them, a
 * process start of ~10-20 ms on jcri's start-up path (its list adds nothing on a Debian node). A value given
 * with {@code -Djna.platform.library.path} is kept.
 */
public final class NativeSearchPath {

  static final String PROPERTY = "jna.platform.library.path";

  private NativeSearchPath() {}

  /** Sets JNA's search path unless set; call before the first {@code Native.load}. Idempotent. */
  public static synchronized void prepare() {
    if (System.getProperty(PROPERTY) == null) {
      System.setProperty(PROPERTY, String.join(":", existing(candidates(System.getProperty("os.arch")))));
    }
  }

  /** JNA's own list for Linux, in its order: the multiarch directories first. */
  static List<String> candidates(String osArch) {
    String multiarch = switch (osArch.toLowerCase(Locale.ROOT)) {
      case "amd64", "x86_64" -> "x86_64-linux-gnu";
      case "aarch64", "arm64" -> "aarch64-linux-gnu";
      default -> osArch + "-linux-gnu";
    };
    return List.of("/usr/lib/" + multiarch, "/lib/" + multiarch, "/usr/lib64", "/lib64", "/usr/lib", "/lib");
  }

  static List<String> existing(List<String> dirs) {
    List<String> found = new ArrayList<>();
    for (String d : dirs) {
      if (Files.isDirectory(Path.of(d))) {
        found.add(d);
      }
    }
    return found;
  }
}
