package dev.jcri.server.stream;

import dev.jcri.common.Log;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one client of the streaming server may hold: at most {@code maxConnections} connections are open at
 * once (more are closed as they arrive), a connection that has not sent its HTTP request and upgraded within
 * {@link #HANDSHAKE_TIMEOUT} (or the idle timeout, when shorter) is closed, and an upgraded session with no traffic either way for the idle
 * timeout is closed (kubelet's and containerd's streaming idle timeout is 4 hours).
 */
@ChannelHandler.Sharable
final class ConnectionGuard extends ChannelInboundHandlerAdapter {

  private static final Log LOG = Log.of(ConnectionGuard.class);
  static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(30);
  static final String IDLE = "idle";

  private final int maxConnections;
  private final Duration idleTimeout;
  private final AtomicInteger open = new AtomicInteger();

  ConnectionGuard(int maxConnections, Duration idleTimeout) {
    this.maxConnections = maxConnections;
    this.idleTimeout = idleTimeout;
  }

  /** Adds the guard and the handshake timeout to a new connection's pipeline. */
  void install(ChannelPipeline p) {
    // The idle handler first: its events travel toward the tail, through the guard.
    long handshake = Math.min(HANDSHAKE_TIMEOUT.toMillis(), idleTimeout.toMillis());
    p.addLast(IDLE, new IdleStateHandler(0, 0, handshake, TimeUnit.MILLISECONDS));
    p.addLast(this);
  }

  /** After the upgrade: the session's idle timeout replaces the handshake's. */
  void upgraded(ChannelPipeline p) {
    p.replace(IDLE, IDLE, new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    int n = open.incrementAndGet();
    if (n > maxConnections) {
      LOG.warn("streaming connection refused: too many open", "open", n - 1, "max", maxConnections, "remote",
          String.valueOf(ctx.channel().remoteAddress()));
      ctx.close();
      return;
    }
    super.channelActive(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    open.decrementAndGet();
    super.channelInactive(ctx);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      LOG.info("streaming connection closed: idle", "remote", String.valueOf(ctx.channel().remoteAddress()));
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }
}
