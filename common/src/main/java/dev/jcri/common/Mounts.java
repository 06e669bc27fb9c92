package dev.jcri.common;

import com.sun.jna.LastErrorException;
import java.nio.file.Path;

/** Detaching one mount: the step every removal shares. */
public final class Mounts {

  private static final int ENOENT = 2;
  private static final int EINVAL = 22;

  private Mounts() {}

  /**
   * Lazily detaches the mount at {@code at}; nothing mounted there (EINVAL) or no such path (ENOENT) is fine, so
   * removals may repeat.
   */
  public static void detach(Path at) {
    try {
      Libc.INSTANCE.umount2(at.toString(), Libc.MNT_DETACH);
    } catch (LastErrorException e) {
      if (e.getErrorCode() != EINVAL && e.getErrorCode() != ENOENT) {
        throw new FailedPreconditionException("unmounting " + at + ": " + Libc.describe(e), e);
      }
    }
  }
}
