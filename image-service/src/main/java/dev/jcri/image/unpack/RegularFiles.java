package dev.jcri.image.unpack;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.jcri.common.Libc;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Writes regular files through their descriptor: one open that creates (never follows a link there), the
 * data, then owner, mode and times on the same descriptor. Half the calls of path-based metadata, and a
 * layer's small files are most of its cost.
 */
final class RegularFiles {
  private static final int CHUNK = 64 * 1024;
  private final byte[] chunk = new byte[CHUNK];
  private final Memory native_ = new Memory(CHUNK);
  private final Memory times = new Memory(32);

  /** Creates {@code target} with the entry's data and metadata; false when something is there already. */
  boolean create(Path target, InputStream data, TarArchiveEntry e) throws IOException {
    Libc c = Libc.INSTANCE;
    int fd;
    try {
      fd = c.open(target.toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_CLOEXEC,
          0600);
    } catch (LastErrorException x) {
      if (x.getErrorCode() == Libc.EEXIST) {
        return false;
      }
      throw x;
    }
    try {
      int n;
      while ((n = data.read(chunk)) > 0) {
        native_.write(0, chunk, 0, n);
        long off = 0;
        while (off < n) {
          off += c.write(fd, native_.share(off), n - off);
        }
      }
      int uid = (int) e.getLongUserId();
      int gid = (int) e.getLongGroupId();
      if (uid != 0 || gid != 0) {
        c.fchown(fd, uid, gid);
      }
      c.fchmod(fd, e.getMode() & 07777);
      long millis = e.getModTime().getTime();
      long sec = Math.floorDiv(millis, 1000);
      long nanos = Math.floorMod(millis, 1000) * 1_000_000L;
      times.setLong(0, sec);
      times.setLong(8, nanos);
      times.setLong(16, sec);
      times.setLong(24, nanos);
      c.futimens(fd, times);
    } finally {
      c.close(fd);
    }
    return true;
  }
}
