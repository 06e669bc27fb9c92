package dev.jcri.server.stream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;

/**
 * Bounds what one connection holds of its client's bytes, across all of its inbound streams: above
 * {@link #HIGH_WATER} buffered bytes the connection stops reading until its sessions have consumed it below
 * {@link #LOW_WATER}, so a client sending faster than a session consumes (or on many streams at once) is slowed
 * down by TCP, not buffered in jcri's memory.
 *
 * <p>Turning auto-read off is not enough: decoders (Netty's SPDY codec among them) ask for another read when a
 * read gave them no whole message. The throttle sits first in the pipeline and holds back every read request
 * while it holds, so nothing reads past it.
 */
final class ReadThrottle extends ChannelOutboundHandlerAdapter {

  static final int HIGH_WATER = 1 << 20;
  static final int LOW_WATER = 256 << 10;

  private final Channel channel;
  private long buffered;
  private boolean held;

  private ReadThrottle(Channel channel) {
    this.channel = channel;
  }

  /** A throttle for {@code channel}, first in its pipeline. */
  static ReadThrottle install(Channel channel) {
    ReadThrottle t = new ReadThrottle(channel);
    channel.pipeline().addFirst("read-throttle", t);
    return t;
  }

  @Override
  public void read(ChannelHandlerContext ctx) {
    synchronized (this) {
      if (held) {
        return;
      }
    }
    ctx.read();
  }

  synchronized void added(int bytes) {
    buffered += bytes;
    if (!held && buffered > HIGH_WATER) {
      held = true;
      channel.config().setAutoRead(false);
    }
  }

  void removed(int bytes) {
    synchronized (this) {
      buffered -= bytes;
      if (!held || buffered >= LOW_WATER) {
        return;
      }
      held = false;
    }
    // Outside the lock: turning auto-read on asks the pipeline for a read, which passes through read() above.
    channel.config().setAutoRead(true);
  }
}
