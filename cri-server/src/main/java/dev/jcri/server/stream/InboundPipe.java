package dev.jcri.server.stream;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * One stream of bytes from the client: the event loop offers buffers, a session thread reads them. What it
 * holds counts toward its connection's {@link ReadThrottle}.
 */
final class InboundPipe extends InputStream {

  private final ReadThrottle throttle;
  private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
  private int buffered;
  private boolean finished;
  private boolean aborted;

  InboundPipe(ReadThrottle throttle) {
    this.throttle = throttle;
  }

  /** Takes ownership of {@code buf}. */
  synchronized void offer(ByteBuf buf) {
    if (finished || aborted || !buf.isReadable()) {
      buf.release();
      return;
    }
    queue.add(buf);
    buffered += buf.readableBytes();
    throttle.added(buf.readableBytes());
    notifyAll();
  }

  /** The client ended the stream: reads drain what is queued, then see end of stream. */
  synchronized void finish() {
    finished = true;
    notifyAll();
  }

  /** The connection is gone: reads fail, queued bytes are dropped. */
  synchronized void abort() {
    aborted = true;
    queue.forEach(ByteBuf::release);
    queue.clear();
    throttle.removed(buffered);
    buffered = 0;
    notifyAll();
  }

  @Override
  public synchronized int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (queue.isEmpty() && !finished && !aborted) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException();
      }
    }
    if (aborted) {
      throw new IOException("the client connection closed");
    }
    if (queue.isEmpty()) {
      return -1;
    }
    ByteBuf head = queue.peek();
    int n = Math.min(len, head.readableBytes());
    head.readBytes(b, off, n);
    if (!head.isReadable()) {
      queue.poll().release();
    }
    buffered -= n;
    throttle.removed(n);
    return n;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public void close() {
    abort();
  }
}
