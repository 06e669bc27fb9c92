package dev.jcri.server.stream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;

/**
 * One stream of bytes to the client, cut into frames of at most {@link #CHUNK} bytes. A writer waits while
 * the connection's outbound buffer is over Netty's high-water mark, so a slow client slows the writer.
 */
final class OutboundStream extends OutputStream {

  static final int CHUNK = 32 * 1024;

  /** How a protocol frames one chunk of a stream, and how it ends the stream. */
  interface Framing {
    Object frame(ByteBuf data);

    /** The frame ending the stream, or null when the protocol has none. */
    Object end();
  }

  private final Channel channel;
  private final Framing framing;
  private boolean closed;

  OutboundStream(Channel channel, Framing framing) {
    this.channel = channel;
    this.framing = framing;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    for (int done = 0; done < len; ) {
      int n = Math.min(CHUNK, len - done);
      ByteBuf buf = channel.alloc().buffer(n);
      buf.writeBytes(b, off + done, n);
      send(framing.frame(buf));
      done += n;
    }
  }

  private void send(Object frame) throws IOException {
    if (!channel.isActive()) {
      ReferenceCountUtil.release(frame);
      throw new IOException("the client connection closed");
    }
    ChannelFuture f = channel.writeAndFlush(frame);
    if (!channel.isWritable()) {
      try {
        f.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException();
      }
      if (!f.isSuccess()) {
        throw new IOException("writing to the client failed", f.cause());
      }
    }
  }

  /** Ends the stream; later closes do nothing. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    Object end = framing.end();
    if (end != null && channel.isActive()) {
      channel.writeAndFlush(end);
    }
  }
}
