package dev.jcri.image.snapshot;

import com.sun.jna.LastErrorException;
import dev.jcri.common.FileTrees;
import dev.jcri.common.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds out whether this kernel mounts overlayfs on the filesystem that holds jcri's root. */
public final class OverlayProbe {

  private OverlayProbe() {}

  /**
   * Mounts a two-layer overlay in a fresh directory under {@code scratchParent}, checks that a file of the
   * lower layer shows through and a write lands in the upper, then unmounts and deletes everything.
   *
   * @return null when overlayfs works, otherwise why not
   */
  public static String problem(Path scratchParent) {
    Path dir = null;
    try {
      Files.createDirectories(scratchParent);
      dir = Files.createTempDirectory(scratchParent, "overlay-probe-");
      Path lower = Files.createDirectories(dir.resolve("l"));
      Path upper = Files.createDirectories(dir.resolve("u"));
      Path work = Files.createDirectories(dir.resolve("w"));
      Path merged = Files.createDirectories(dir.resolve("m"));
      Files.writeString(lower.resolve("probe"), "lower");
      String data = "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work;
      try {
        Libc.INSTANCE.mount("overlay", merged.toString(), "overlay", 0, data);
      } catch (LastErrorException e) {
        return "mounting overlay on " + scratchParent + " failed: " + Libc.describe(e);
      }
      try {
        if (!"lower".equals(Files.readString(merged.resolve("probe")))) {
          return "overlay mounted but the lower layer does not show through";
        }
        Files.writeString(merged.resolve("written"), "upper");
        if (!Files.exists(upper.resolve("written"))) {
          return "overlay mounted but writes do not reach the upper layer";
        }
      } finally {
        Libc.INSTANCE.umount2(merged.toString(), Libc.MNT_DETACH);
      }
      return null;
    } catch (IOException e) {
      return "overlay probe under " + scratchParent + " failed: " + e.getMessage();
    } finally {
      if (dir != null) {
        deleteTree(dir);
      }
    }
  }

  private static void deleteTree(Path dir) {
    FileTrees.delete(dir);
  }
}
