package dev.jcri.server.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Threads that move a session's bytes. Platform threads: terminal masters and conmon sockets are read
 * through libc, which would pin a virtual thread's carrier.
 */
final class StreamIo {

  static final ExecutorService THREADS = Executors.newCachedThreadPool(
      Thread.ofPlatform().name("stream-io-", 0).daemon().factory());

  private StreamIo() {}

  /** Copies until end of input; returns false when either side failed (usually: went away). */
  static boolean copy(InputStream in, OutputStream out) {
    byte[] buf = new byte[OutboundStream.CHUNK];
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (n > 0) {
          out.write(buf, 0, n);
          out.flush();
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception ignored) {
      // the other side is gone already
    }
  }
}
