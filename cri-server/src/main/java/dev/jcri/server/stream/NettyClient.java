package dev.jcri.server.stream;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A client connection on Netty. Ending a session flushes, half-closes (so the client reads everything up to
 * end of stream rather than a reset), and closes for good when the client does or after a grace period.
 */
final class NettyClient implements ClientConnection {

  private static final long CLOSE_GRACE_SECONDS = 10;

  private final Channel channel;
  private final Supplier<Object> goodbye;
  private final List<Runnable> onGone = new ArrayList<>();
  private boolean ended;
  private boolean gone;

  /** @param goodbye the protocol's last frame (a WebSocket close), or a supplier of null */
  NettyClient(Channel channel, Supplier<Object> goodbye) {
    this.channel = channel;
    this.goodbye = goodbye;
    channel.closeFuture().addListener(f -> clientGone());
  }

  private void clientGone() {
    List<Runnable> actions;
    synchronized (this) {
      if (ended || gone) {
        return;
      }
      gone = true;
      actions = List.copyOf(onGone);
      onGone.clear();
    }
    actions.forEach(Runnable::run);
  }

  @Override
  public void onClientGone(Runnable action) {
    synchronized (this) {
      if (!gone) {
        onGone.add(action);
        return;
      }
    }
    action.run();
  }

  @Override
  public void end() {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      onGone.clear();
    }
    Object last = goodbye.get();
    channel.writeAndFlush(last == null ? Unpooled.EMPTY_BUFFER : last).addListener((ChannelFutureListener) f -> {
      if (channel instanceof DuplexChannel d && f.isSuccess()) {
        d.shutdownOutput();
        channel.eventLoop().schedule(() -> channel.close(), CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
      } else {
        channel.close();
      }
    });
  }
}
