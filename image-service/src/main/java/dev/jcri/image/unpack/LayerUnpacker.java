package dev.jcri.image.unpack;

import com.github.luben.zstd.ZstdInputStream;
import dev.jcri.common.Digests;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.image.ref.Digest;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
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
      new LayerExtraction(dir, layerName, new ByteBudget(maxUncompressedBytes, "layer " + layerName
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
