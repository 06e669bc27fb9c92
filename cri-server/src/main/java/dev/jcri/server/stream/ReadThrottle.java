package dev.jcri.server.stream;

import io.netty.channel.Channel;

/**
 * Stops reading a connection while any of its inbound streams holds more than it may buffer, so a client
 * sending faster than a session consumes is slowed down by TCP, not buffered in memory.
 */
final class ReadThrottle {

  private final Channel channel;
  private int holds;

  ReadThrottle(Channel channel) {
    this.channel = channel;
  }

  synchronized void hold() {
    if (holds++ == 0) {
      channel.config().setAutoRead(false);
    }
  }

  synchronized void release() {
    if (--holds == 0) {
      channel.config().setAutoRead(true);
      channel.read();
    }
  }
}
