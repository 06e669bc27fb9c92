package dev.jcri.server.stream;

import dev.jcri.common.Log;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyHeadersFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The server side of a SPDY/3.1 session as Kubernetes clients use it: the client opens every stream (with
 * a {@code streamtype} header), the server replies to each, data flows both ways, FIN ends a direction.
 * Like the Go implementation those clients use, there is no flow-control window; back-pressure comes from
 * TCP (see {@link ReadThrottle}).
 */
final class SpdyConnection extends ChannelInboundHandlerAdapter {

  private static final Log LOG = Log.of(SpdyConnection.class);

  /** One stream the client opened. */
  record Stream(int id, Map<String, String> headers, InboundPipe in, OutboundStream out) {
    String header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
    }
  }

  /** What the session does with the streams; called on the event loop, so it must not block. */
  interface Listener {
    void opened(Stream stream);

    void closed();
  }

  /**
   * Streams open at once on one connection: an exec uses five, a port-forward two per forwarded connection;
   * past this a new stream is refused (RST_STREAM) and the session goes on.
   */
  static final int MAX_STREAMS = 128;

  private final Listener listener;
  private final Map<Integer, Stream> streams = new HashMap<>();
  private int refused;
  private ReadThrottle throttle;

  SpdyConnection(Listener listener) {
    this.listener = listener;
  }

  /** Streams open now (for tests). */
  int openStreams() {
    return streams.size();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    throttle = ReadThrottle.install(ctx.channel());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      switch (msg) {
        case SpdySynStreamFrame f -> open(ctx, f);
        case SpdyDataFrame f -> {
          Stream s = streams.get(f.streamId());
          if (s != null) {
            s.in().offer(f.content().retain());
            if (f.isLast()) {
              s.in().finish();
            }
          }
        }
        case SpdyHeadersFrame f -> {
          Stream s = streams.get(f.streamId());
          if (s != null && f.isLast()) {
            s.in().finish();
          }
        }
        case SpdyRstStreamFrame f -> {
          Stream s = streams.remove(f.streamId());
          if (s != null) {
            s.in().abort();
          }
        }
        case SpdyPingFrame f -> ctx.writeAndFlush(new DefaultSpdyPingFrame(f.id()));
        case SpdyGoAwayFrame f -> ctx.close();
        default -> {
          // SETTINGS and WINDOW_UPDATE: no flow control here, as in the clients
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void open(ChannelHandlerContext ctx, SpdySynStreamFrame f) {
    if (streams.size() >= MAX_STREAMS || streams.containsKey(f.streamId())) {
      if (refused++ == 0) {
        LOG.warn("SPDY stream refused (and any more on this connection)", "stream", f.streamId(), "open",
            streams.size(), "max", MAX_STREAMS, "remote", String.valueOf(ctx.channel().remoteAddress()));
      }
      ctx.writeAndFlush(new DefaultSpdyRstStreamFrame(f.streamId(),
          SpdyStreamStatus.REFUSED_STREAM));
      return;
    }
    Map<String, String> headers = new HashMap<>();
    for (Map.Entry<CharSequence, CharSequence> h : f.headers()) {
      headers.put(h.getKey().toString().toLowerCase(Locale.ROOT), h.getValue().toString());
    }
    int id = f.streamId();
    Channel ch = ctx.channel();
    OutboundStream out = new OutboundStream(ch, new OutboundStream.Framing() {
      @Override
      public Object frame(ByteBuf data) {
        return new DefaultSpdyDataFrame(id, data);
      }

      @Override
      public Object end() {
        DefaultSpdyDataFrame fin = new DefaultSpdyDataFrame(id);
        fin.setLast(true);
        return fin;
      }
    });
    Stream s = new Stream(id, headers, new InboundPipe(throttle), out);
    streams.put(id, s);
    // Go's SPDY reader rejects an empty header block, so the reply names the stream's type back.
    DefaultSpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(id);
    reply.headers().set("streamtype", s.header("streamtype").isEmpty() ? "unknown" : s.header("streamtype"));
    ctx.writeAndFlush(reply);
    if (f.isLast()) {
      s.in().finish();
    }
    listener.opened(s);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    streams.values().forEach(s -> s.in().abort());
    streams.clear();
    listener.closed();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("SPDY session failed", "remote", String.valueOf(ctx.channel().remoteAddress()), "error",
        String.valueOf(cause));
    ctx.close();
  }
}
