package dev.jcri.common;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * A file descriptor owned by jcri, read and written through libc. Reads wait in short {@code poll} slices, so
 * closing the descriptor from another thread ends a blocked read promptly; EIO (a terminal whose other side
 * is gone) reads as end of stream.
 */
public final class Fd implements AutoCloseable {

  private static final int POLLIN = 0x1;
  private static final int POLL_SLICE_MS = 200;

  private final int fd;
  private volatile boolean closed;
  /** Threads inside a read or write; the descriptor is released only when none is, so its number cannot be reused under them. */
  private int busy;
  private boolean released;

  public Fd(int fd) {
    this.fd = fd;
  }

  public int number() {
    return fd;
  }

  /** Reads up to {@code len} bytes; -1 at end of stream or once closed. */
  public int read(byte[] buf, int len) throws IOException {
    if (!enter()) {
      return -1;
    }
    try {
      return readEntered(buf, len);
    } finally {
      leave();
    }
  }

  private synchronized boolean enter() {
    if (closed) {
      return false;
    }
    busy++;
    return true;
  }

  private synchronized void leave() {
    busy--;
    if (closed && busy == 0) {
      release();
    }
  }

  private int readEntered(byte[] buf, int len) throws IOException {
    Memory pollFd = new Memory(8);
    while (!closed) {
      pollFd.setInt(0, fd);
      pollFd.setShort(4, (short) POLLIN);
      pollFd.setShort(6, (short) 0);
      int ready;
      try {
        ready = Posix.poll(pollFd, 1, POLL_SLICE_MS);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == Libc.EINTR) {
          continue;
        }
        throw new IOException("poll: " + Libc.describe(e), e);
      }
      if (ready == 0) {
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedIOException();
        }
        continue;
      }
      try {
        long n = Posix.read(fd, buf, len);
        return n == 0 ? -1 : (int) n;
      } catch (LastErrorException e) {
        if (e.getErrorCode() == Libc.EINTR || e.getErrorCode() == Libc.EAGAIN) {
          continue;
        }
        if (e.getErrorCode() == Libc.EIO) {
          return -1;
        }
        throw new IOException("read: " + Libc.describe(e), e);
      }
    }
    return -1;
  }

  /** Writes all of {@code buf[off, off+len)}. */
  public void write(byte[] buf, int off, int len) throws IOException {
    if (!enter()) {
      throw new IOException("closed");
    }
    try {
      writeEntered(buf, off, len);
    } finally {
      leave();
    }
  }

  private void writeEntered(byte[] buf, int off, int len) throws IOException {
    byte[] chunk = off == 0 && len == buf.length ? buf : Arrays.copyOfRange(buf, off, off + len);
    int done = 0;
    while (done < len) {
      if (closed) {
        throw new IOException("closed");
      }
      byte[] rest = done == 0 ? chunk : Arrays.copyOfRange(chunk, done, len);
      try {
        done += (int) Posix.write(fd, rest, rest.length);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == Libc.EINTR || e.getErrorCode() == Libc.EAGAIN) {
          continue;
        }
        throw new IOException("write: " + Libc.describe(e), e);
      }
    }
  }

  public InputStream inputStream() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        byte[] tmp = off == 0 ? b : new byte[len];
        int n = Fd.this.read(tmp, Math.min(len, b.length - off));
        if (n > 0 && tmp != b) {
          System.arraycopy(tmp, 0, b, off, n);
        }
        return n;
      }
    };
  }

  public OutputStream outputStream() {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        Fd.this.write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        Fd.this.write(b, off, len);
      }
    };
  }

  /** Sets the window size of the terminal this descriptor is a master or slave of. */
  public void setWindowSize(int columns, int rows) throws IOException {
    byte[] ws = new byte[8];
    ws[0] = (byte) rows;
    ws[1] = (byte) (rows >>> 8);
    ws[2] = (byte) columns;
    ws[3] = (byte) (columns >>> 8);
    if (!enter()) {
      return;
    }
    try {
      Libc.INSTANCE.ioctl(fd, Libc.TIOCSWINSZ, ws);
    } catch (LastErrorException e) {
      throw new IOException("TIOCSWINSZ: " + Libc.describe(e), e);
    } finally {
      leave();
    }
  }

  /** Shuts the writing half of a socket (the peer reads end of stream). */
  public void shutdownOutput() {
    if (!enter()) {
      return;
    }
    try {
      Libc.INSTANCE.shutdown(fd, Libc.SHUT_WR);
    } catch (LastErrorException ignored) {
      // the peer has gone already
    } finally {
      leave();
    }
  }

  /** Ends reads and writes; the descriptor itself is released once no thread is using it. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    Posix.shutdown(fd, Libc.SHUT_RDWR); // wakes a socket's blocked reader; -1 for a pipe
    if (busy == 0) {
      release();
    }
  }

  private void release() {
    if (released) {
      return;
    }
    released = true;
    try {
      Posix.close(fd);
    } catch (LastErrorException ignored) {
      // nothing more to release
    }
  }
}
