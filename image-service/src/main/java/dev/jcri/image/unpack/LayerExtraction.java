package dev.jcri.image.unpack;

import com.sun.jna.LastErrorException;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Libc;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** One layer's extraction; directory metadata is applied last so that writes into them still succeed. */
final class LayerExtraction {

  private static final String PAX_XATTR = "SCHILY.xattr.";

  private final Path dir;
  private final String layer;
  private final InRootResolver resolver;
  private final List<Runnable> directoryFinish = new ArrayList<>();
  /**
   * Parents already resolved and created, by entry path: most entries share their directory with the
   * one before. Cleared whenever an entry could change how a path resolves (a symlink, a replaced node).
   */
  private final Map<List<String>, Path> parents = new HashMap<>();
  private final RegularFiles files = new RegularFiles();
  /** What the layer's files take once expanded, and what the image's may take. */
  private final ByteBudget expanded;
  private final ByteBudget image;

  LayerExtraction(Path dir, String layer, ByteBudget expanded, ByteBudget image) {
    this.dir = dir;
    this.layer = layer;
    this.expanded = expanded;
    this.image = image;
    this.resolver = new InRootResolver(dir);
  }

  void run(TarArchiveInputStream tar) throws IOException {
    TarArchiveEntry e;
    while ((e = next(tar)) != null) {
      try {
        entry(e, tar);
      } catch (InvalidArgumentException x) {
        throw new InvalidArgumentException("layer " + layer + ": " + x.getMessage(), x);
      } catch (IOException | UncheckedIOException | LastErrorException x) {
        throw new IOException("layer " + layer + ", entry \"" + e.getName() + "\": "
            + (x instanceof LastErrorException le ? Libc.describe(le) : x.getMessage()), x);
      }
    }
    for (int i = directoryFinish.size() - 1; i >= 0; i--) {
      directoryFinish.get(i).run();
    }
  }

  /** The next entry; a header the tar reader cannot make sense of refuses the layer. */
  private TarArchiveEntry next(TarArchiveInputStream tar) {
    try {
      return tar.getNextEntry();
    } catch (IOException | IllegalArgumentException x) {
      throw ContentErrors.refusal(layer, x);
    }
  }

  private void entry(TarArchiveEntry e, InputStream data) throws IOException {
    List<String> comps = InRootResolver.clean(e.getName(), "entry");
    if (comps.isEmpty()) {
      if (e.isDirectory()) {
        finishDirectory(dir, e);
      }
      return;
    }
    String base = comps.getLast();
    List<String> parentComps = List.copyOf(comps.subList(0, comps.size() - 1));
    Path parent = parents.get(parentComps);
    if (parent == null) {
      parent = resolver.resolveParent(comps);
      Files.createDirectories(parent);
      parents.put(parentComps, parent);
    }
    if (base.startsWith(LayerUnpacker.WHITEOUT_PREFIX)) {
      if (base.equals(LayerUnpacker.OPAQUE)) {
        Libc.INSTANCE.lsetxattr(parent.toString(), LayerUnpacker.OPAQUE_XATTR, new byte[] {'y'}, 1, 0);
      } else if (!base.startsWith(LayerUnpacker.WHITEOUT_PREFIX + LayerUnpacker.WHITEOUT_PREFIX)) {
        Path hidden = parent.resolve(base.substring(LayerUnpacker.WHITEOUT_PREFIX.length()));
        checkName(hidden.getFileName().toString(), e);
        if (removeExisting(hidden)) {
          parents.clear();
        }
        Libc.INSTANCE.mknod(hidden.toString(), Libc.S_IFCHR, Libc.makedev(0, 0));
      }
      return;
    }
    Path target = parent.resolve(base);
    if (e.isDirectory()) {
      if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        if (removeExisting(target)) {
          parents.clear();
        }
        Files.createDirectory(target);
      }
      finishDirectory(target, e);
      return;
    }
    if (isRegularFile(e)) {
      // Counted before a byte is written: a sparse entry's real size is what its reader expands it to.
      long size = Math.max(e.getRealSize(), e.getSize());
      expanded.take(size);
      image.take(size);
      // The common case first: create, and clear the way only when something is there already.
      if (!files.create(target, data, e)) {
        if (removeExisting(target)) {
          parents.clear();
        }
        if (!files.create(target, data, e)) {
          throw new FileAlreadyExistsException(target.toString());
        }
      }
      xattrs(target, e);
      return;
    }
    if (removeExisting(target)) {
      parents.clear();
    }
    if (e.isSymbolicLink()) {
      parents.clear();
      Files.createSymbolicLink(target, Path.of(e.getLinkName()));
      owner(target, e);
      xattrs(target, e);
      return;
    }
    if (e.isLink()) {
      List<String> linkComps = InRootResolver.clean(e.getLinkName(), "hard link target of \"" + e.getName() + "\"");
      if (linkComps.isEmpty()) {
        throw new InvalidArgumentException("hard link \"" + e.getName() + "\" points at the layer root; refused");
      }
      Path source = resolver.resolveParent(linkComps).resolve(linkComps.getLast());
      if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(source)) {
        throw new InvalidArgumentException("hard link \"" + e.getName() + "\" points at \"" + e.getLinkName()
            + "\", which this layer does not contain as a file; refused");
      }
      Files.createLink(target, source);
      return;
    }
    if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
      int type = e.isCharacterDevice() ? Libc.S_IFCHR : e.isBlockDevice() ? Libc.S_IFBLK : Libc.S_IFIFO;
      Libc.INSTANCE.mknod(target.toString(), type | (e.getMode() & 07777),
          Libc.makedev(e.getDevMajor(), e.getDevMinor()));
    } else {
      return; // sockets, global headers and other kinds carry nothing to unpack
    }
    owner(target, e);
    xattrs(target, e);
    Libc.INSTANCE.chmod(target.toString(), e.getMode() & 07777);
    Files.setLastModifiedTime(target, FileTime.from(e.getModTime().toInstant()));
  }

  private void finishDirectory(Path target, TarArchiveEntry e) throws IOException {
    owner(target, e);
    xattrs(target, e);
    int mode = e.getMode() & 07777;
    FileTime mtime = FileTime.from(e.getModTime().toInstant());
    Object made = Files.readAttributes(target, BasicFileAttributes.class,
        LinkOption.NOFOLLOW_LINKS).fileKey();
    directoryFinish.add(() -> {
      // Later entries may have replaced this directory, even with a symlink out of the layer: finish it
      // only if the path still names the very directory made here (same inode, not followed through a link).
      try {
        var now = Files.readAttributes(target, BasicFileAttributes.class,
            LinkOption.NOFOLLOW_LINKS);
        if (!now.isDirectory() || !Objects.equals(now.fileKey(), made)) {
          return;
        }
        Libc.INSTANCE.chmod(target.toString(), mode);
        Files.setLastModifiedTime(target, mtime);
      } catch (FileSystemException gone) {
        // replaced or removed by a later entry
      } catch (IOException x) {
        throw new UncheckedIOException(x);
      }
    });
  }

  /** jcri creates entries as root, so only other owners need a call. */
  private static void owner(Path target, TarArchiveEntry e) {
    int uid = (int) e.getLongUserId();
    int gid = (int) e.getLongGroupId();
    if (uid != 0 || gid != 0) {
      Libc.INSTANCE.lchown(target.toString(), uid, gid);
    }
  }

  private static void xattrs(Path target, TarArchiveEntry e) {
    for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
      if (h.getKey().startsWith(PAX_XATTR)) {
        String name = h.getKey().substring(PAX_XATTR.length());
        byte[] value = h.getValue().getBytes(StandardCharsets.ISO_8859_1);
        Libc.INSTANCE.lsetxattr(target.toString(), name, value, value.length, 0);
      }
    }
  }

  /** A plain file with data (commons-compress counts links and devices as files too). */
  private static boolean isRegularFile(TarArchiveEntry e) {
    return e.isFile() && !e.isSymbolicLink() && !e.isLink() && !e.isCharacterDevice() && !e.isBlockDevice()
        && !e.isFIFO();
  }

  private static void checkName(String name, TarArchiveEntry e) {
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      throw new InvalidArgumentException("whiteout \"" + e.getName() + "\" names no file; refused");
    }
  }

  /**
   * Clears the way for a new entry: a file, link or device is replaced, a directory only by a directory.
   * Returns whether something was there.
   */
  private static boolean removeExisting(Path target) throws IOException {
    if (!InRootResolver.exists(target)) {
      return false;
    }
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> walk = Files.walk(target)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      } catch (DirectoryNotEmptyException | FileAlreadyExistsException x) {
        throw new IOException("cannot replace directory " + target, x);
      }
    } else {
      Files.delete(target);
    }
    return true;
  }
}
