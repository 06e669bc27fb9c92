package dev.jcri.image.content;

import dev.jcri.common.AtomicFiles;
import dev.jcri.common.Digests;
import dev.jcri.common.DiskFull;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Log;
import dev.jcri.common.ResourceExhaustedException;
import dev.jcri.image.manifest.Descriptor;
import dev.jcri.image.ref.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * Blobs by digest under {@code root/blobs/<algorithm>/<hex>}. A blob is written to {@code root/ingest}, its
 * digest and size checked while it streams in (no second read), fsync'd, and renamed into place; a blob
 * that does not match is deleted and never seen.
 */
public final class ContentStore {

  private static final Log LOG = Log.of(ContentStore.class);
  private static final int BUFFER = 256 * 1024;

  private final Path blobs;
  private final Path ingest;

  public ContentStore(Path root) {
    this.blobs = root.resolve("blobs");
    this.ingest = root.resolve("ingest");
    try {
      Files.createDirectories(blobs);
      AtomicFiles.sweepTemps(blobs.resolve("sha256"));
      Files.createDirectories(ingest);
    } catch (IOException e) {
      throw new UncheckedIOException("creating the content store under " + root, e);
    }
  }

  /** Deletes what interrupted writes left in the ingest directory; run at start-up. */
  public int cleanIngest() {
    int removed = 0;
    try (Stream<Path> files = Files.list(ingest)) {
      for (Path p : files.toList()) {
        Files.deleteIfExists(p);
        removed++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cleaning " + ingest, e);
    }
    if (removed > 0) {
      LOG.info("removed partial downloads of an interrupted pull", "files", removed);
    }
    return removed;
  }

  public Path path(Digest d) {
    return blobs.resolve(d.algorithm()).resolve(d.hex());
  }

  public boolean has(Digest d) {
    return Files.isRegularFile(path(d));
  }

  public byte[] read(Digest d) {
    try {
      return Files.readAllBytes(path(d));
    } catch (IOException e) {
      throw new UncheckedIOException("reading blob " + d, e);
    }
  }

  /** Stores small content already in memory (a manifest or config) after checking its digest. */
  public void put(Digest d, byte[] content) {
    if (has(d)) {
      return;
    }
    Digest actual = digestOf(d.jcaName(), d.algorithm(), content);
    if (!actual.equals(d)) {
      throw new InvalidArgumentException("content does not match its digest " + d + " (got " + actual + ")");
    }
    AtomicFiles.write(path(d), content);
  }

  /**
   * Streams {@code in} into the store as the blob {@code expected} describes, verifying size and digest on
   * the way. {@code progress} is told the running byte count.
   */
  public Path write(Descriptor expected, InputStream in, LongConsumer progress) throws IOException {
    Path target = path(expected.digest());
    if (Files.isRegularFile(target)) {
      return target;
    }
    return write(expected, begin(expected), in, progress);
  }

  /**
   * Starts writing the blob {@code expected} describes: the returned blob can be read while {@link #write}
   * fills it. A blob already stored comes back complete.
   */
  public GrowingBlob begin(Descriptor expected) throws IOException {
    Path target = path(expected.digest());
    if (Files.isRegularFile(target)) {
      return GrowingBlob.complete(target, expected.size());
    }
    Files.createDirectories(target.getParent());
    return GrowingBlob.writing(Files.createTempFile(ingest, expected.digest().hex() + "-", ".part"), expected.size());
  }

  /**
   * Streams {@code in} into {@code blob} (from {@link #begin}), verifying size and digest on the way; it is
   * fsync'd and renamed into place. On any failure the partial file is deleted and readers of {@code blob}
   * fail too.
   */
  public Path write(Descriptor expected, GrowingBlob blob, InputStream in, LongConsumer progress) throws IOException {
    Path target = path(expected.digest());
    Path temp = blob.file();
    if (temp.equals(target)) {
      return target;
    }
    boolean ok = false;
    try {
      MessageDigest md = messageDigest(expected.digest().jcaName());
      long total = 0;
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE);
          OutputStream out = Channels.newOutputStream(ch)) {
        byte[] buf = new byte[BUFFER];
        int n;
        while ((n = in.read(buf)) > 0) {
          total += n;
          if (total > expected.size()) {
            throw new InvalidArgumentException("blob " + expected.digest() + " is larger than the " + expected.size()
                + " bytes its descriptor gives; refused");
          }
          md.update(buf, 0, n);
          out.write(buf, 0, n);
          blob.grew(total);
          progress.accept(total);
        }
        out.flush();
        ch.force(true);
      } catch (IOException e) {
        ResourceExhaustedException full = DiskFull.explain(e, ingest, "writing blob "
            + expected.digest());
        if (full != null) {
          throw full;
        }
        throw e;
      }
      if (total != expected.size()) {
        throw new InvalidArgumentException("blob " + expected.digest() + " has " + total + " bytes, its descriptor "
            + expected.size() + "; refused");
      }
      Digest actual = new Digest(expected.digest().algorithm(), HexFormat.of().formatHex(md.digest()));
      if (!actual.equals(expected.digest())) {
        throw new InvalidArgumentException("blob " + expected.digest() + " does not match its digest (got " + actual
            + "); the registry sent other content");
      }
      blob.moveTo(target);
      AtomicFiles.syncDirectory(target.getParent());
      ok = true;
      return target;
    } catch (IOException | RuntimeException e) {
      blob.failed(e);
      throw e;
    } finally {
      if (!ok) {
        Files.deleteIfExists(temp);
      }
    }
  }

  public void delete(Digest d) {
    try {
      Files.deleteIfExists(path(d));
    } catch (IOException e) {
      throw new UncheckedIOException("deleting blob " + d, e);
    }
  }

  /** Every stored blob's digest. */
  public List<Digest> list() {
    List<Digest> out = new ArrayList<>();
    try (Stream<Path> algs = Files.list(blobs)) {
      for (Path alg : algs.toList()) {
        try (Stream<Path> files = Files.list(alg)) {
          files.forEach(f -> out.add(new Digest(alg.getFileName().toString(), f.getFileName().toString())));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("listing " + blobs, e);
    }
    return out;
  }

  static Digest digestOf(String jca, String algorithm, byte[] content) {
    return new Digest(algorithm, HexFormat.of().formatHex(messageDigest(jca).digest(content)));
  }

  static MessageDigest messageDigest(String jca) {
    return Digests.of(jca);
  }
}
