package dev.jcri.server.stream;

import dev.jcri.common.Log;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The server side of Kubernetes' channel protocol over WebSocket: every message starts with its channel
 * number (a byte; an ASCII digit in the base64 variants, whose payload is base64 text). v5 adds a close
 * signal: channel 255 carrying the number of the channel the client is done writing.
 */
final class WsConnection extends SimpleChannelInboundHandler<WebSocketFrame> {

  private static final Log LOG = Log.of(WsConnection.class);
  private static final int CLOSE_SIGNAL = 255;

  private final Channel channel;
  private final boolean base64;
  private final boolean closeSignal;
  private final Map<Integer, InboundPipe> inbound = new HashMap<>();
  private final Runnable onClosed;

  /**
   * @param readable the channels the client may write to
   * @param onClosed runs on the event loop when the connection is gone
   */
  WsConnection(Channel channel, String protocol, Set<Integer> readable, Runnable onClosed) {
    this.channel = channel;
    this.base64 = Protocols.base64(protocol);
    this.closeSignal = protocol.equals(Protocols.V5);
    this.onClosed = onClosed;
    ReadThrottle throttle = ReadThrottle.install(channel);
    readable.forEach(c -> inbound.put(c, new InboundPipe(throttle)));
  }

  InboundPipe in(int ch) {
    return inbound.get(ch);
  }

  OutboundStream out(int ch) {
    return new OutboundStream(channel, new OutboundStream.Framing() {
      @Override
      public Object frame(ByteBuf data) {
        return WsConnection.this.frame(ch, data);
      }

      @Override
      public Object end() {
        return null;
      }
    });
  }

  /** Sends one message on {@code ch} as is (possibly empty). */
  void send(int ch, byte[] data) {
    channel.writeAndFlush(frame(ch, Unpooled.wrappedBuffer(data)));
  }

  private WebSocketFrame frame(int ch, ByteBuf data) {
    if (base64) {
      try {
        byte[] bytes = new byte[data.readableBytes()];
        data.readBytes(bytes);
        return new TextWebSocketFrame((char) ('0' + ch) + Base64.getEncoder().encodeToString(bytes));
      } finally {
        data.release();
      }
    }
    return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(new byte[] {(byte) ch}), data));
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
    switch (frame) {
      case BinaryWebSocketFrame b when !base64 -> binary(b.content());
      case TextWebSocketFrame t when base64 -> text(t.text());
      case PingWebSocketFrame p -> ctx.writeAndFlush(new PongWebSocketFrame(p.content().retain()));
      case CloseWebSocketFrame c -> ctx.writeAndFlush(new CloseWebSocketFrame(c.statusCode(), ""))
          .addListener(f -> ctx.close());
      default -> {
        // pongs, and frames of the other encoding: nothing to do
      }
    }
  }

  private void binary(ByteBuf content) {
    if (!content.isReadable()) {
      return;
    }
    int ch = content.readUnsignedByte();
    if (ch == CLOSE_SIGNAL && closeSignal) {
      if (content.isReadable()) {
        InboundPipe p = inbound.get((int) content.readUnsignedByte());
        if (p != null) {
          p.finish();
        }
      }
      return;
    }
    InboundPipe p = inbound.get(ch);
    if (p != null) {
      p.offer(content.retainedSlice());
    }
  }

  private void text(String text) {
    if (text.isEmpty()) {
      return;
    }
    InboundPipe p = inbound.get(text.charAt(0) - '0');
    if (p == null) {
      return;
    }
    try {
      p.offer(Unpooled.wrappedBuffer(Base64.getDecoder().decode(text.substring(1)
          .getBytes(StandardCharsets.US_ASCII))));
    } catch (IllegalArgumentException e) {
      LOG.debug("dropping a message that is not base64", "channel", text.charAt(0));
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    inbound.values().forEach(InboundPipe::abort);
    onClosed.run();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("WebSocket session failed", "remote", String.valueOf(ctx.channel().remoteAddress()), "error",
        String.valueOf(cause));
    ctx.close();
  }
}
