package dev.jcri.image.unpack;

import com.github.luben.zstd.ZstdException;
import com.github.luben.zstd.ZstdIOException;
import dev.jcri.common.InvalidArgumentException;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.ZipException;

/**
 * A layer's decompressed bytes, where a read that fails (a corrupt gzip or zstd stream) refuses the layer as
 * INVALID_ARGUMENT: the image is at fault, not the node. When the download itself failed, the pull reports that
 * instead (it waits for the download's outcome before it reports an unpacking error).
 */
final class ContentErrors extends FilterInputStream {

  private final String layer;

  ContentErrors(InputStream in, String layer) {
    super(in);
    this.layer = layer;
  }

  static InvalidArgumentException refusal(String layer, Exception cause) {
    String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    why = why.length() > 120 ? why.substring(0, 120) + "..." : why;
    return new InvalidArgumentException("layer " + layer + " is not a valid (compressed) tar archive: "
        + why.replaceAll("[^\\x20-\\x7e]", "?"), cause);
  }

  @Override
  public int read() throws IOException {
    try {
      return super.read();
    } catch (ZipException | EOFException | ZstdIOException | ZstdException e) {
      throw refusal(layer, e);
    }
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    try {
      return super.read(b, off, len);
    } catch (ZipException | EOFException | ZstdIOException | ZstdException e) {
      throw refusal(layer, e);
    }
  }
}
