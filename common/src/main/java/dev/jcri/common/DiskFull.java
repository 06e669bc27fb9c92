package dev.jcri.common;

import java.io.IOException;
import java.nio.file.Path;

/** Recognises a write that failed because its file system is full (ENOSPC or EDQUOT). */
public final class DiskFull {

  private DiskFull() {}

  public static boolean is(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (t instanceof IOException && m != null
          && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
        return true;
      }
    }
    return false;
  }

  /** The error to report for {@code e} when it is a full disk under {@code where}, else null. */
  public static ResourceExhaustedException explain(IOException e, Path where, String doing) {
    if (!is(e)) {
      return null;
    }
    return new ResourceExhaustedException("no space left on the device of " + where + " while " + doing
        + "; free space there (remove unused images) and retry", e);
  }
}
