package dev.jcri.image.snapshot;

import com.sun.jna.LastErrorException;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.Libc;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Mounts an overlay of many layers. mount(2) takes all options in one page, which a deep image overflows;
 * then the layers are handed over one at a time through the new mount API ({@code fsconfig} with
 * {@code lowerdir+}, Linux 6.8+), so depth is bounded only by overlayfs itself.
 */
final class OverlayMounter {

  /** mount(2) copies at most one page of option data. */
  static final int MOUNT_DATA_LIMIT = 4095;

  // x86_64 and arm64 share the numbers of the syscalls added after 5.0.
  private static final long SYS_MOVE_MOUNT = 429;
  private static final long SYS_FSOPEN = 430;
  private static final long SYS_FSCONFIG = 431;
  private static final long SYS_FSMOUNT = 432;
  private static final int FSOPEN_CLOEXEC = 1;
  private static final int FSCONFIG_SET_STRING = 1;
  private static final int FSCONFIG_CMD_CREATE = 6;
  private static final int FSMOUNT_CLOEXEC = 1;
  private static final int AT_FDCWD = -100;
  private static final int MOVE_MOUNT_F_EMPTY_PATH = 4;

  private OverlayMounter() {}

  /** Mounts {@code lowers} (topmost first) under {@code upper} at {@code target}. */
  static void mount(List<Path> lowers, Path upper, Path work, Path target) {
    String data = "lowerdir=" + lowers.stream().map(Path::toString).collect(Collectors.joining(":"))
        + ",upperdir=" + upper + ",workdir=" + work;
    if (data.length() <= MOUNT_DATA_LIMIT) {
      try {
        Libc.INSTANCE.mount("overlay", target.toString(), "overlay", 0, data);
        return;
      } catch (LastErrorException e) {
        throw new FailedPreconditionException("mounting the overlay at " + target + " failed: " + Libc.describe(e), e);
      }
    }
    mountLayerByLayer(lowers, upper, work, target);
  }

  private static void mountLayerByLayer(List<Path> lowers, Path upper, Path work, Path target) {
    Libc c = Libc.INSTANCE;
    int fs;
    try {
      fs = (int) c.syscall(SYS_FSOPEN, "overlay", (long) FSOPEN_CLOEXEC);
    } catch (LastErrorException e) {
      throw tooDeep(lowers, target, "fsopen: " + Libc.describe(e));
    }
    try {
      for (Path lower : lowers) {
        set(fs, "lowerdir+", lower.toString(), lowers, target);
      }
      set(fs, "upperdir", upper.toString(), lowers, target);
      set(fs, "workdir", work.toString(), lowers, target);
      c.syscall(SYS_FSCONFIG, (long) fs, (long) FSCONFIG_CMD_CREATE, null, null, 0L);
      int mnt = (int) c.syscall(SYS_FSMOUNT, (long) fs, (long) FSMOUNT_CLOEXEC, 0L);
      try {
        c.syscall(SYS_MOVE_MOUNT, (long) mnt, "", (long) AT_FDCWD, target.toString(), (long) MOVE_MOUNT_F_EMPTY_PATH);
      } finally {
        c.close(mnt);
      }
    } catch (LastErrorException e) {
      throw new FailedPreconditionException("mounting the " + lowers.size() + "-layer overlay at " + target
          + " failed: " + Libc.describe(e), e);
    } finally {
      c.close(fs);
    }
  }

  private static void set(int fs, String key, String value, List<Path> lowers, Path target) {
    try {
      Libc.INSTANCE.syscall(SYS_FSCONFIG, (long) fs, (long) FSCONFIG_SET_STRING, key, value, 0L);
    } catch (LastErrorException e) {
      throw tooDeep(lowers, target, "fsconfig " + key + ": " + Libc.describe(e));
    }
  }

  private static FailedPreconditionException tooDeep(List<Path> lowers, Path target, String why) {
    return new FailedPreconditionException("an overlay of " + lowers.size() + " layers at " + target
        + " does not fit in one mount(2) page and this kernel lacks the layer-by-layer mount API (Linux 6.8+): "
        + why);
  }
}
