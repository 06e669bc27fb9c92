package dev.jcri.server.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The client side of Kubernetes' channel protocol over WebSocket. */
final class WsTestClient implements AutoCloseable {

  final Channel channel;
  final String protocol;
  private final boolean base64;
  private final Map<Integer, ByteArrayOutputStream> channels = new ConcurrentHashMap<>();
  private final Map<Integer, List<Integer>> messageSizes = new ConcurrentHashMap<>();
  final CompletableFuture<Void> closed = new CompletableFuture<>();

  private WsTestClient(Channel channel, String protocol) {
    this.channel = channel;
    this.protocol = protocol == null ? "" : protocol;
    this.base64 = this.protocol.contains("base64");
  }

  static WsTestClient connect(String url, String subprotocols) throws Exception {
    URI uri = URI.create(url.replaceFirst("^http", "ws"));
    WebSocketClientHandshaker hs = WebSocketClientHandshakerFactory.newHandshaker(uri, WebSocketVersion.V13,
        subprotocols, false, new DefaultHttpHeaders(), 16 << 20);
    CompletableFuture<WsTestClient> ready = new CompletableFuture<>();
    CompletableFuture<WsTestClient> self = new CompletableFuture<>();
    Channel ch = new Bootstrap().group(SpdyTestClient.LOOPS).channel(NioSocketChannel.class).handler(
        new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel c) {
            c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16),
                new SimpleChannelInboundHandler<Object>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, Object msg) throws Exception {
                    if (!hs.isHandshakeComplete()) {
                      FullHttpResponse r = (FullHttpResponse) msg;
                      try {
                        hs.finishHandshake(ctx.channel(), r);
                        WsTestClient client = new WsTestClient(ctx.channel(), hs.actualSubprotocol());
                        ctx.pipeline().addBefore(ctx.name(), "agg", new WebSocketFrameAggregator(16 << 20));
                        self.complete(client);
                        ready.complete(client);
                      } catch (RuntimeException e) {
                        ready.completeExceptionally(new IllegalStateException("handshake refused: " + r.status()
                            + " " + r.content().toString(java.nio.charset.StandardCharsets.UTF_8)));
                      }
                      return;
                    }
                    self.get().frame((WebSocketFrame) msg);
                  }

                  @Override
                  public void channelInactive(ChannelHandlerContext ctx) {
                    self.thenAccept(c -> c.closed.complete(null));
                    ready.completeExceptionally(new IllegalStateException("closed during handshake"));
                  }
                });
          }
        }).connect(uri.getHost(), uri.getPort()).sync().channel();
    // From the event loop: the handshaker swaps encoders when its request is written, which must happen before
    // the (fast) answer is read, or the answer's handling finds the pipeline already changed.
    ch.eventLoop().submit(() -> hs.handshake(ch)).sync().getNow().sync();
    return ready.get(10, TimeUnit.SECONDS);
  }

  private void frame(WebSocketFrame f) {
    byte[] data;
    int ch;
    if (f instanceof BinaryWebSocketFrame b) {
      ByteBuf c = b.content();
      if (!c.isReadable()) {
        return;
      }
      ch = c.readUnsignedByte();
      data = new byte[c.readableBytes()];
      c.readBytes(data);
    } else if (f instanceof TextWebSocketFrame t) {
      String s = t.text();
      ch = s.charAt(0) - '0';
      data = Base64.getDecoder().decode(s.substring(1));
    } else {
      if (f instanceof CloseWebSocketFrame) {
        channel.close();
      }
      return;
    }
    messageSizes.computeIfAbsent(ch, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(data.length);
    ByteArrayOutputStream out = channels.computeIfAbsent(ch, k -> new ByteArrayOutputStream());
    synchronized (out) {
      out.write(data, 0, data.length);
    }
  }

  void send(int ch, byte[] data) {
    for (int off = 0; off < data.length || off == 0; off += 32 * 1024) {
      int n = Math.min(32 * 1024, data.length - off);
      if (base64) {
        channel.writeAndFlush(new TextWebSocketFrame((char) ('0' + ch)
            + Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(data, off, off + n))))
            .syncUninterruptibly();
      } else {
        channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(
            new byte[] {(byte) ch}), Unpooled.wrappedBuffer(data, off, n)))).syncUninterruptibly();
      }
      if (data.length == 0) {
        break;
      }
    }
  }

  /** v5: tells the server this client is done writing to {@code ch}. */
  void closeChannel(int ch) {
    channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {(byte) 255, (byte) ch})))
        .syncUninterruptibly();
  }

  byte[] received(int ch) {
    ByteArrayOutputStream out = channels.get(ch);
    if (out == null) {
      return new byte[0];
    }
    synchronized (out) {
      return out.toByteArray();
    }
  }

  List<Integer> messageSizes(int ch) {
    return messageSizes.getOrDefault(ch, List.of());
  }

  String text(int ch) {
    return new String(received(ch), java.nio.charset.StandardCharsets.UTF_8);
  }

  void awaitClose() throws Exception {
    closed.get(60, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
  }
}
