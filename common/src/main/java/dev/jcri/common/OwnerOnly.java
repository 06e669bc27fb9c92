package dev.jcri.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The modes of what jcri keeps: directories 0700 and files 0600, so that no other user of the node can list,
 * read or execute anything under jcri's root and state directories (setuid files and device nodes of image
 * layers, containers' environments in records and bundles). A directory a user-namespaced pod must traverse is
 * 0710 with the group of the pod's root, as containerd's bundles are.
 */
public final class OwnerOnly {

  public static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
  public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  /** Searchable by others, not listable: for the parents of directories user-namespaced pods traverse. */
  public static final Set<PosixFilePermission> SEARCHABLE = PosixFilePermissions.fromString("rwx--x--x");
  /** Searchable by the group only: a directory a user-namespaced pod's root group traverses. */
  public static final Set<PosixFilePermission> GROUP_SEARCHABLE = PosixFilePermissions.fromString("rwx--x---");
  /** Readable and searchable by the group only: an empty mount point a user-namespaced pod's root opens. */
  public static final Set<PosixFilePermission> GROUP_READABLE = PosixFilePermissions.fromString("rwxr-x---");

  private OwnerOnly() {}

  /** Creates {@code dir} (and missing parents) and gives {@code dir} itself mode 0700. */
  public static Path dir(Path dir) {
    return dir(dir, DIR);
  }

  /** Creates {@code dir} (and missing parents) and gives {@code dir} itself {@code mode}. */
  public static Path dir(Path dir, Set<PosixFilePermission> mode) {
    try {
      Files.createDirectories(dir);
      setMode(dir, mode);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("creating " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens {@code dir} to the group {@code gid} for search only (0710): the root of a user-namespaced pod is an
   * unprivileged uid and gid of the node, and must reach its bundle and pod files. Without a group ({@code gid}
   * negative: the pod maps no root) the directory is searchable by others (0711), never listable.
   */
  public static void shareWithGroup(Path dir, long gid) {
    shareWithGroup(dir, gid, GROUP_SEARCHABLE);
  }

  /** As {@link #shareWithGroup(Path, long)} with the mode {@code mode} (group bits only beside the owner's). */
  public static void shareWithGroup(Path dir, long gid, Set<PosixFilePermission> mode) {
    if (gid < 0) {
      setMode(dir, SEARCHABLE);
      return;
    }
    try {
      Libc.INSTANCE.lchown(dir.toString(), -1, (int) gid);
    } catch (com.sun.jna.LastErrorException e) {
      throw new UncheckedIOException(new IOException("giving " + dir + " the group " + gid + ": " + Libc.describe(e)));
    }
    setMode(dir, mode);
  }

  /** Writes {@code content} to a new or existing file and leaves it 0600. */
  public static void write(Path file, byte[] content) {
    try {
      if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE));
      } else {
        setMode(file, FILE);
      }
      Files.write(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + file + ": " + e.getMessage(), e);
    }
  }

  /** Sets {@code path}'s mode (not following a symlink at it). */
  public static void setMode(Path path, Set<PosixFilePermission> mode) {
    try {
      if (!Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS).equals(mode)) {
        Files.setPosixFilePermissions(path, mode);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("setting the mode of " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Takes away every permission of group and others that {@code path} has beyond {@code allowed}; true when its
   * mode changed.
   */
  public static boolean tighten(Path path, Set<PosixFilePermission> allowed) {
    try {
      if (Files.isSymbolicLink(path)) {
        return false;
      }
      Set<PosixFilePermission> now = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
      Set<PosixFilePermission> kept = EnumSet.noneOf(PosixFilePermission.class);
      for (PosixFilePermission p : now) {
        boolean owner = p == PosixFilePermission.OWNER_READ || p == PosixFilePermission.OWNER_WRITE
            || p == PosixFilePermission.OWNER_EXECUTE;
        if (owner || allowed.contains(p)) {
          kept.add(p);
        }
      }
      if (kept.equals(now)) {
        return false;
      }
      Files.setPosixFilePermissions(path, kept);
      return true;
    } catch (NoSuchFileException e) {
      return false; // gone meanwhile: nothing to tighten
    } catch (IOException e) {
      throw new UncheckedIOException("tightening the mode of " + path + ": " + e.getMessage(), e);
    }
  }
}
