package dev.jcri.image.content;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A blob on its way into the content store, readable while it is written: a layer can be unpacked as its
 * bytes arrive rather than after the whole download.
 *
 * <p>Readers get the bytes written so far and wait for more; they reach the end of the stream once
 * {@code size} bytes are there. What they read is not verified yet: the store checks the digest when the
 * last byte is in, and whoever reads early must wait for that verdict (the download's outcome) before using
 * the result. When the write fails, waiting readers fail with it.
 */
public final class GrowingBlob {

  private final long size;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  /** Where the bytes are now: the ingest file while written, the blob once in place. */
  private Path file;
  private long written;
  private IOException failure;

  private GrowingBlob(Path file, long size, long written) {
    this.file = file;
    this.size = size;
    this.written = written;
  }

  /** A blob being written to {@code ingestFile}, {@code size} bytes when complete. */
  static GrowingBlob writing(Path ingestFile, long size) {
    return new GrowingBlob(ingestFile, size, 0);
  }

  /** A blob already complete in the store. */
  public static GrowingBlob complete(Path blob, long size) {
    return new GrowingBlob(blob, size, size);
  }

  Path file() {
    lock.lock();
    try {
      return file;
    } finally {
      lock.unlock();
    }
  }

  /** {@code total} bytes are written. */
  void grew(long total) {
    lock.lock();
    try {
      written = total;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Renames the written file to {@code target}; readers that opened it read on, new ones open the target. */
  void moveTo(Path target) throws IOException {
    lock.lock();
    try {
      try {
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot move blob into place atomically", e);
      }
      file = target;
    } finally {
      lock.unlock();
    }
  }

  /** The write failed: readers waiting or arriving fail with {@code cause}. */
  void failed(Throwable cause) {
    lock.lock();
    try {
      failure = cause instanceof IOException io ? io : new IOException(cause.getMessage(), cause);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** A stream over the blob's bytes from the first, waiting for those not written yet. */
  public InputStream reader() throws IOException {
    lock.lock();
    try {
      if (failure != null) {
        throw failure;
      }
      return new Reader(FileChannel.open(file, StandardOpenOption.READ));
    } finally {
      lock.unlock();
    }
  }

  /** Blocks until more than {@code position} bytes are written (or all are); returns how many are. */
  private long awaitBeyond(long position) throws IOException {
    lock.lock();
    try {
      while (written <= position && written < size && failure == null) {
        changed.await();
      }
      if (failure != null) {
        throw new IOException("the download failed: " + failure.getMessage(), failure);
      }
      return written;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a download");
    } finally {
      lock.unlock();
    }
  }

  private final class Reader extends InputStream {
    private final FileChannel ch;
    private long position;

    Reader(FileChannel ch) {
      this.ch = ch;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == 1 ? one[0] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (position >= size) {
        return -1;
      }
      long available = awaitBeyond(position) - position;
      int n = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(len, available)), position);
      if (n < 0) {
        throw new IOException("blob file ended at " + position + " of " + size + " bytes");
      }
      position += n;
      return n;
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }
}
