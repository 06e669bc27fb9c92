package dev.jcri.common;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Detached clones of a directory's mount with attributes set on the clone only (Linux 5.12+): idmapped, whose
 * file owners are seen through a user namespace's mapping, so files the node's root owns are root's inside a
 * pod with its own user namespace; and recursively read-only, the mount and every mount below it, which a
 * bind with "ro" alone leaves writable. A container binds the clone; the clone is detached once the
 * container's mount namespace holds its copy.
 */
public final class IdmappedMounts {

  private static final long SYS_OPEN_TREE = 428;
  private static final long SYS_MOVE_MOUNT = 429;
  private static final long SYS_MOUNT_SETATTR = 442;
  private static final int OPEN_TREE_CLONE = 1;
  private static final int OPEN_TREE_CLOEXEC = 02000000;
  private static final int AT_FDCWD = -100;
  private static final int AT_EMPTY_PATH = 0x1000;
  private static final int MOVE_MOUNT_F_EMPTY_PATH = 4;
  private static final long MOUNT_ATTR_IDMAP = 0x00100000;
  private static final long MOUNT_ATTR_RDONLY = 0x00000001;
  private static final int AT_RECURSIVE = 0x8000;

  /** A directory to clone, and how. */
  public record Clone(Path source, boolean idmapped, boolean recursiveReadOnly) {}

  private IdmappedMounts() {}

  /**
   * Clones of {@code sources} mounted under {@code dir} (0, 1, ...); idmapped ones through the user namespace
   * pinned at {@code userns} (null when none is asked for).
   */
  public static List<Path> bindAll(List<Clone> sources, Path dir, Path userns) {
    List<Path> made = new ArrayList<>();
    int fd = userns == null ? -1 : Libc.INSTANCE.open(userns.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
    try {
      for (Clone source : sources) {
        if (source.idmapped() && fd < 0) {
          throw new IllegalArgumentException("an idmapped clone of " + source.source() + " needs a user namespace");
        }
        Path at = dir.resolve(Integer.toString(made.size()));
        Files.createDirectories(at);
        clone(source.source(), at, source.idmapped() ? fd : -1, source.recursiveReadOnly());
        made.add(at);
      }
      return made;
    } catch (IOException | RuntimeException e) {
      detachAll(made);
      throw e instanceof RuntimeException re ? re : new UncheckedIOException((IOException) e);
    } finally {
      if (fd >= 0) {
        Libc.INSTANCE.close(fd);
      }
    }
  }

  /** Detaches mounts made by {@link #bindAll} and removes their (then empty) directories; never recursive. */
  public static void detachAll(List<Path> mounts) {
    for (Path p : mounts) {
      try {
        Libc.INSTANCE.umount2(p.toString(), Libc.MNT_DETACH);
      } catch (LastErrorException ignored) {
        // already gone
      }
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // still busy: left for the bundle's removal
      }
    }
  }

  /** Mounts {@code source} at {@code target} with its owners mapped through the user namespace {@code usernsFd}. */
  public static void bind(Path source, Path target, int usernsFd) {
    clone(source, target, usernsFd, false);
  }

  /**
   * Mounts a clone of {@code source} at {@code target}: idmapped through {@code usernsFd} unless it is -1;
   * with {@code recursiveReadOnly}, with every mount below it and all of them read-only.
   */
  private static void clone(Path source, Path target, int usernsFd, boolean recursiveReadOnly) {
    Libc c = Libc.INSTANCE;
    int recursive = recursiveReadOnly ? AT_RECURSIVE : 0;
    int tree;
    try {
      tree = (int) c.syscall(SYS_OPEN_TREE, (long) AT_FDCWD, source.toString(),
          (long) (OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | recursive));
    } catch (LastErrorException e) {
      throw new FailedPreconditionException("cloning the mount of " + source + " failed: " + Libc.describe(e), e);
    }
    try {
      // struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd; }
      Memory attr = new Memory(32);
      attr.clear();
      attr.setLong(0, (usernsFd >= 0 ? MOUNT_ATTR_IDMAP : 0) | (recursiveReadOnly ? MOUNT_ATTR_RDONLY : 0));
      // A clone of a shared mount joins its peer group: detaching the clone would then unmount the originals of
      // its submounts on the node too (every systemd node mounts / shared). Private, it is on its own.
      attr.setLong(16, Libc.MS_PRIVATE);
      attr.setLong(24, Math.max(usernsFd, 0));
      c.syscall(SYS_MOUNT_SETATTR, (long) tree, "", (long) (AT_EMPTY_PATH | recursive), attr, 32L);
      c.syscall(SYS_MOVE_MOUNT, (long) tree, "", (long) AT_FDCWD, target.toString(), (long) MOVE_MOUNT_F_EMPTY_PATH);
    } catch (LastErrorException e) {
      throw new FailedPreconditionException((usernsFd >= 0 ? "idmapping " + source + " for a pod user namespace"
          : "making " + source + " recursively read-only") + " failed: " + Libc.describe(e)
          + (usernsFd >= 0 ? " (the file system must support idmapped mounts)" : ""), e);
    } finally {
      c.close(tree);
    }
  }
}
