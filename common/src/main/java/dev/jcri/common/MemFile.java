package dev.jcri.common;

import com.sun.jna.LastErrorException;
import java.io.IOException;

/**
 * Bytes in an anonymous memory file ({@code memfd_create}), to hand a helper as one of its descriptors: it
 * opens {@code /proc/self/fd/N} as it would a file on disk, and nothing reaches a disk or needs deleting. The
 * descriptor is close-on-exec, so only a child given it through {@link Spawn#fd} has it.
 */
public final class MemFile implements AutoCloseable {

  private static final int MFD_CLOEXEC = 1;

  private final int fd;

  private MemFile(int fd) {
    this.fd = fd;
  }

  /** A memory file named {@code name} (shown in /proc/PID/fd) holding {@code content}. */
  public static MemFile of(String name, byte[] content) throws IOException {
    int fd;
    try {
      fd = Posix.memfd_create(name, MFD_CLOEXEC);
    } catch (LastErrorException e) {
      throw new IOException("memfd_create: " + Libc.describe(e), e);
    }
    MemFile file = new MemFile(fd);
    try {
      byte[] rest = content;
      while (rest.length > 0) {
        int n = (int) Posix.write(fd, rest, rest.length);
        rest = java.util.Arrays.copyOfRange(rest, n, rest.length);
      }
    } catch (LastErrorException e) {
      file.close();
      throw new IOException("writing a memory file: " + Libc.describe(e), e);
    }
    return file;
  }

  /** The descriptor, to pass to a child with {@link Spawn#fd}. */
  public int fd() {
    return fd;
  }

  /** The path under which a child that got this file as its descriptor {@code target} opens it. */
  public static String pathAs(int target) {
    return "/proc/self/fd/" + target;
  }

  @Override
  public void close() {
    try {
      Posix.close(fd);
    } catch (LastErrorException ignored) {
      // nothing left to release
    }
  }
}
