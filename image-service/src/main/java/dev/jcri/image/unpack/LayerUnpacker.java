package dev.jcri.image.unpack;

import com.github.luben.zstd.ZstdInputStream;
import com.sun.jna.LastErrorException;
import dev.jcri.common.Digests;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Libc;
import dev.jcri.image.ref.Digest;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks one image layer (tar, gzip or zstd, told apart by their magic bytes) into an empty directory that
 * becomes an overlay layer: whiteouts ({@code .wh.<name>}) become 0/0 character devices, opaque markers
 * ({@code .wh..wh..opq}) the {@code trusted.overlay.opaque} xattr, as containerd's overlay snapshotter does.
 * Owners, modes (setuid included), mtimes, xattrs, hard links, symlinks and device nodes are kept. No entry
 * lands outside the directory: names climbing out are refused, symlinks on the way are resolved inside it.
 * Returns the DiffID: the digest of the uncompressed tar.
 */
public final class LayerUnpacker {

  static final String WHITEOUT_PREFIX = ".wh.";
  static final String OPAQUE = ".wh..wh..opq";
  static final String OPAQUE_XATTR = "trusted.overlay.opaque";
  private static final String PAX_XATTR = "SCHILY.xattr.";

  private final long maxUncompressedBytes;

  /** @param maxUncompressedBytes a layer that unpacks to more than this is refused (a decompression bomb) */
  public LayerUnpacker(long maxUncompressedBytes) {
    this.maxUncompressedBytes = maxUncompressedBytes;
  }

  public Digest unpack(Path blob, Path dir, String layerName) throws IOException {
    return unpack(Files.newInputStream(blob), dir, layerName, ByteBudget.unlimited());
  }

  /** As {@link #unpack(InputStream, Path, String, ByteBudget)} with no bound but the layer's own. */
  public Digest unpack(InputStream raw, Path dir, String layerName) throws IOException {
    return unpack(raw, dir, layerName, ByteBudget.unlimited());
  }

  /**
   * Unpacks the layer {@code raw} streams (compressed or not; closed when done) into {@code dir}; returns its
   * DiffID. Both the tar stream and the files it expands to (a sparse entry is a few bytes of tar for gigabytes
   * of file) count against the layer's bound; the files also against {@code image}, the bound of the whole pull.
   */
  public Digest unpack(InputStream raw, Path dir, String layerName, ByteBudget image) throws IOException {
    MessageDigest sha = sha256();
    try (raw;
        InputStream decompressed = new ContentErrors(decompress(new BufferedInputStream(raw, 128 * 1024),
            layerName), layerName);
        CountingLimit limited = new CountingLimit(decompressed, maxUncompressedBytes, layerName);
        DigestInputStream digesting = new DigestInputStream(limited, sha)) {
      TarArchiveInputStream tar = new TarArchiveInputStream(digesting);
      new Extraction(dir, layerName, new ByteBudget(maxUncompressedBytes, "layer " + layerName
          + " unpacks to more than " + maxUncompressedBytes + " bytes (max_layer_bytes); refused as a likely"
          + " decompression bomb"), image).run(tar);
      // The tar reader may stop at the end-of-archive blocks; the DiffID covers every byte.
      digesting.transferTo(OutputStreamSink.INSTANCE);
    }
    return Digest.sha256(sha.digest());
  }

  private static InputStream decompress(BufferedInputStream in, String layerName) throws IOException {
    try {
      return decompress(in);
    } catch (ZipException e) {
      throw ContentErrors.refusal(layerName, e);
    }
  }

  private static InputStream decompress(BufferedInputStream in) throws IOException {
    in.mark(4);
    byte[] magic = in.readNBytes(4);
    in.reset();
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return new BufferedInputStream(new GZIPInputStream(in, 64 * 1024), 64 * 1024);
    }
    if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
        && (magic[3] & 0xff) == 0xfd) {
      return new BufferedInputStream(new ZstdInputStream(in), 64 * 1024);
    }
    return in;
  }

  private static MessageDigest sha256() {
    return Digests.of("SHA-256");
  }

  /**
   * Writes regular files through their descriptor: one open that creates (never follows a link there), the
   * data, then owner, mode and times on the same descriptor. Half the calls of path-based metadata, and a
   * layer's small files are most of its cost.
   */
  private static final class RegularFiles {
    private static final int CHUNK = 64 * 1024;
    private final byte[] chunk = new byte[CHUNK];
    private final com.sun.jna.Memory native_ = new com.sun.jna.Memory(CHUNK);
    private final com.sun.jna.Memory times = new com.sun.jna.Memory(32);

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

  /** One layer's extraction; directory metadata is applied last so that writes into them still succeed. */
  private static final class Extraction {
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

    Extraction(Path dir, String layer, ByteBudget expanded, ByteBudget image) {
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
      if (base.startsWith(WHITEOUT_PREFIX)) {
        if (base.equals(OPAQUE)) {
          Libc.INSTANCE.lsetxattr(parent.toString(), OPAQUE_XATTR, new byte[] {'y'}, 1, 0);
        } else if (!base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) {
          Path hidden = parent.resolve(base.substring(WHITEOUT_PREFIX.length()));
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

  /** Refuses to read more than the limit; the pull fails naming the layer. */
  private static final class CountingLimit extends FilterInputStream {
    private final long limit;
    private final String layer;
    private long count;

    CountingLimit(InputStream in, long limit, String layer) {
      super(in);
      this.limit = limit;
      this.layer = layer;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        add(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        add(n);
      }
      return n;
    }

    private void add(long n) {
      count += n;
      if (count > limit) {
        throw new InvalidArgumentException("layer " + layer + " unpacks to more than " + limit
            + " bytes (max_layer_bytes); refused as a likely decompression bomb");
      }
    }
  }

  /** Discards bytes. */
  private static final class OutputStreamSink extends OutputStream {
    static final OutputStreamSink INSTANCE = new OutputStreamSink();

    @Override
    public void write(int b) {}

    @Override
    public void write(byte[] b, int off, int len) {}
  }
}
