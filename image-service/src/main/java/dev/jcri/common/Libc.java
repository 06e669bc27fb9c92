package dev.jcri.common;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The few libc calls jcri makes directly (no helper process). Each throws {@link LastErrorException}
 * carrying errno; use {@link #describe} for a readable message.
 */
public interface Libc extends Library {

  Libc INSTANCE = Native.load("c", Libc.class);

  int MS_RDONLY = 1;
  int MS_NOSUID = 2;
  int MS_NODEV = 4;
  int MS_NOEXEC = 8;
  int MS_REMOUNT = 32;
  int MS_BIND = 4096;
  int MS_REC = 16384;
  int MS_PRIVATE = 1 << 18;
  int MS_SLAVE = 1 << 19;
  int MS_SHARED = 1 << 20;

  int MNT_DETACH = 2;

  int mount(String source, String target, String fsType, long flags, String data) throws LastErrorException;

  int umount2(String target, int flags) throws LastErrorException;

  String strerror(int errnum);

  static String describe(LastErrorException e) {
    return INSTANCE.strerror(e.getErrorCode()) + " (errno " + e.getErrorCode() + ")";
  }
}
