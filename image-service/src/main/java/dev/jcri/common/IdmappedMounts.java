package dev.jcri.common;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.nio.file.Path;

/**
 * Idmapped bind mounts (Linux 5.12+): a clone of a directory's mount whose file owners are seen through a user
 * namespace's mapping, so files the node's root owns are root's inside a pod with its own user namespace.
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

  private IdmappedMounts() {}

  /** Idmapped mounts of {@code sources} under {@code dir} (0, 1, ...), through the user namespace pinned at {@code userns}. */
  public static java.util.List<Path> bindAll(java.util.List<Path> sources, Path dir, Path userns) {
    java.util.List<Path> made = new java.util.ArrayList<>();
    int fd = Libc.INSTANCE.open(userns.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
    try {
      for (Path source : sources) {
        Path at = dir.resolve(Integer.toString(made.size()));
        java.nio.file.Files.createDirectories(at);
        bind(source, at, fd);
        made.add(at);
      }
      return made;
    } catch (java.io.IOException | RuntimeException e) {
      detachAll(made);
      throw e instanceof RuntimeException re ? re : new java.io.UncheckedIOException((java.io.IOException) e);
    } finally {
      Libc.INSTANCE.close(fd);
    }
  }

  /** Detaches mounts made by {@link #bindAll} and removes their (then empty) directories; never recursive. */
  public static void detachAll(java.util.List<Path> mounts) {
    for (Path p : mounts) {
      try {
        Libc.INSTANCE.umount2(p.toString(), Libc.MNT_DETACH);
      } catch (LastErrorException ignored) {
        // already gone
      }
      try {
        java.nio.file.Files.deleteIfExists(p);
      } catch (java.io.IOException ignored) {
        // still busy: left for the bundle's removal
      }
    }
  }

  /** Mounts {@code source} at {@code target} with its owners mapped through the user namespace {@code usernsFd}. */
  public static void bind(Path source, Path target, int usernsFd) {
    Libc c = Libc.INSTANCE;
    int tree;
    try {
      tree = (int) c.syscall(SYS_OPEN_TREE, (long) AT_FDCWD, source.toString(),
          (long) (OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    } catch (LastErrorException e) {
      throw new FailedPreconditionException("cloning the mount of " + source + " failed: " + Libc.describe(e), e);
    }
    try {
      // struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd; }
      Memory attr = new Memory(32);
      attr.clear();
      attr.setLong(0, MOUNT_ATTR_IDMAP);
      attr.setLong(24, usernsFd);
      c.syscall(SYS_MOUNT_SETATTR, (long) tree, "", (long) AT_EMPTY_PATH, attr, 32L);
      c.syscall(SYS_MOVE_MOUNT, (long) tree, "", (long) AT_FDCWD, target.toString(), (long) MOVE_MOUNT_F_EMPTY_PATH);
    } catch (LastErrorException e) {
      throw new FailedPreconditionException("idmapping " + source + " for a pod user namespace failed: "
          + Libc.describe(e) + " (the file system must support idmapped mounts)", e);
    } finally {
      c.close(tree);
    }
  }
}
