package dev.jcri.sandbox.runtime;

import com.sun.jna.LastErrorException;
import dev.jcri.common.Libc;
import dev.jcri.common.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * An OCI runtime's executable seen through a read-only bind mount of itself, kept in jcri's state directory.
 *
 * <p>crun guards against CVE-2019-5736 (a container writing to the host's runtime binary through
 * {@code /proc/<pid>/exe}) by copying its own executable and executing the copy, at every call, unless it
 * already runs from a read-only mount. On this VM that copy and second exec cost ~5 ms per call (create,
 * start, exec, kill, delete). Run from a read-only bind mount, the binary is just as safe to expose (a write
 * through {@code /proc/<pid>/exe} fails with EROFS, and the mount lives in jcri's mount namespace, out of the
 * containers' reach), and is loaded once.
 *
 * <p>The mount follows the file: when the configured path names another file (a package upgrade renamed a
 * new binary over it), the next use binds the new one. Where the mount cannot be made (no CAP_SYS_ADMIN), the
 * configured path is used as it is and the runtime protects itself as before.
 */
public final class ReadOnlyBinary implements AutoCloseable {

  private static final Log LOG = Log.of(ReadOnlyBinary.class);
  /** Stacked mounts a run of crashes could leave on the mount point, at most. */
  private static final int MAX_STALE_MOUNTS = 16;

  private final Path binary;
  private final Path mountPoint;
  /** The (device, inode) of the file now bound, or null while the configured path is used directly. */
  private Object bound;

  private ReadOnlyBinary(Path binary, Path mountPoint) {
    this.binary = binary;
    this.mountPoint = mountPoint;
  }

  /** Binds {@code binary} read-only at {@code mountPoint}, or falls back to using {@code binary} directly. */
  public static ReadOnlyBinary bind(Path binary, Path mountPoint) {
    ReadOnlyBinary b = new ReadOnlyBinary(binary, mountPoint);
    synchronized (b) {
      b.rebind();
    }
    return b;
  }

  /** The path to execute: the read-only mount when there is one showing the configured file, else the file. */
  public synchronized Path path() {
    if (bound == null) {
      return binary;
    }
    Object now = fileKey(binary);
    if (!Objects.equals(now, bound)) {
      LOG.info("runtime binary changed on disk; binding the new one", "binary", binary);
      rebind();
    }
    return bound == null ? binary : mountPoint;
  }

  /** Where the read-only mount is (or would be). */
  public Path mountPoint() {
    return mountPoint;
  }

  /** Whether the binary is executed from the read-only mount. */
  public synchronized boolean isBound() {
    return bound != null;
  }

  private void rebind() {
    unmountAll();
    bound = null;
    Object key = fileKey(binary);
    if (key == null) {
      return;
    }
    try {
      Files.createDirectories(mountPoint.getParent());
      if (!Files.exists(mountPoint)) {
        Files.createFile(mountPoint);
      }
      Libc.INSTANCE.mount(binary.toString(), mountPoint.toString(), null, Libc.MS_BIND, null);
      try {
        Libc.INSTANCE.mount(null, mountPoint.toString(), null,
            Libc.MS_BIND | Libc.MS_REMOUNT | Libc.MS_RDONLY | Libc.MS_NOSUID | Libc.MS_NODEV, null);
      } catch (LastErrorException e) {
        unmountAll();
        throw e;
      }
      bound = key;
    } catch (IOException | LastErrorException e) {
      String why = e instanceof LastErrorException le ? Libc.describe(le) : e.getMessage();
      LOG.info("runtime binary used in place: cannot bind it read-only (it will copy itself at each call)",
          "binary", binary, "mount_point", mountPoint, "error", why);
    }
  }

  private void unmountAll() {
    for (int i = 0; i < MAX_STALE_MOUNTS; i++) {
      try {
        Libc.INSTANCE.umount2(mountPoint.toString(), Libc.MNT_DETACH);
      } catch (LastErrorException notMounted) {
        return;
      }
    }
  }

  private static Object fileKey(Path p) {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  /** The configured path, for messages. */
  @Override
  public String toString() {
    return binary.toString();
  }

  /** Removes the mount (at shutdown: nothing runs the runtime from it once jcri is gone). */
  @Override
  public synchronized void close() {
    if (bound != null) {
      unmountAll();
      bound = null;
    }
    try {
      Files.deleteIfExists(mountPoint);
    } catch (IOException ignored) {
      // a mount point something else holds; the next start unmounts and reuses it
    }
  }
}
