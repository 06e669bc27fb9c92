package dev.jcri.server.stream;

import dev.jcri.common.Log;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one HTTP request of a streaming connection: {@code /exec|attach|portforward/<token>}, upgraded to
 * SPDY/3.1 or WebSocket. The token is used up by the request, whatever becomes of it; an unknown, used or
 * expired token gets a bare 404.
 */
final class StreamHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final Log LOG = Log.of(StreamHttpHandler.class);
  private static final Pattern PATH = Pattern.compile("/(exec|attach|portforward)/([A-Za-z0-9_-]{1,64})");
  static final int MAX_WS_MESSAGE = 4 << 20;

  static final int STDIN = 0;
  static final int STDOUT = 1;
  static final int STDERR = 2;
  static final int ERROR = 3;
  static final int RESIZE = 4;

  private final StreamTokens tokens;
  private final CommandSession commands;
  private final PortForwardSession forwards;
  private final ConnectionGuard guard;

  StreamHttpHandler(StreamTokens tokens, CommandSession commands, PortForwardSession forwards,
      ConnectionGuard guard) {
    this.tokens = tokens;
    this.forwards = forwards;
    this.commands = commands;
    this.guard = guard;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    if (!req.decoderResult().isSuccess()) {
      respond(ctx, HttpResponseStatus.BAD_REQUEST, "malformed request");
      return;
    }
    Matcher m = PATH.matcher(new QueryStringDecoder(req.uri()).path());
    if (!m.matches()) {
      respond(ctx, HttpResponseStatus.NOT_FOUND, "404 page not found");
      return;
    }
    if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.POST)) {
      respond(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET or POST");
      return;
    }
    Optional<StreamRequest> found = tokens.take(m.group(2)).filter(r -> r.kind().equals(m.group(1)));
    if (found.isEmpty()) {
      respond(ctx, HttpResponseStatus.NOT_FOUND, "404 page not found");
      return;
    }
    StreamRequest request = found.get();
    String upgrade = req.headers().get(HttpHeaderNames.UPGRADE, "");
    if (upgrade.equalsIgnoreCase("websocket")) {
      webSocket(ctx, req, request);
    } else if (upgrade.toLowerCase(Locale.ROOT).contains("spdy/3.1")) {
      spdy(ctx, req, request);
    } else {
      respond(ctx, HttpResponseStatus.BAD_REQUEST, "unable to upgrade: expected a SPDY/3.1 or WebSocket upgrade");
    }
  }

  private void spdy(ChannelHandlerContext ctx, FullHttpRequest req, StreamRequest request) {
    boolean forward = request instanceof StreamRequest.PortForward;
    List<String> server = forward ? Protocols.SPDY_PORT_FORWARD : Protocols.SPDY_COMMAND;
    List<String> offered = Protocols.values(req.headers().getAll("X-Stream-Protocol-Version"));
    Optional<String> chosen = Protocols.negotiate(offered, server);
    if (chosen.isEmpty()) {
      respond(ctx, HttpResponseStatus.FORBIDDEN, "unable to upgrade: unable to negotiate protocol: client supports "
          + offered + ", server supports " + server);
      return;
    }
    FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
    resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    resp.headers().set(HttpHeaderNames.UPGRADE, "SPDY/3.1");
    if (!chosen.get().isEmpty()) {
      resp.headers().set("X-Stream-Protocol-Version", chosen.get());
    }
    ctx.writeAndFlush(resp);
    Channel ch = ctx.channel();
    SpdyConnection.Listener listener = switch (request) {
      case StreamRequest.PortForward p -> new SpdyPortForwardListener(p, forwards, ch);
      default -> new SpdyCommandListener(request, chosen.get(), commands, ch);
    };
    ChannelPipeline p = ctx.pipeline();
    p.addLast(new SpdyFrameCodec(SpdyVersion.SPDY_3_1), new SpdyConnection(listener));
    p.remove(HttpObjectAggregator.class);
    p.remove(HttpServerCodec.class);
    p.remove(this);
    guard.upgraded(p);
    LOG.debug("streaming session", "kind", request.kind(), "transport", "spdy", "protocol", chosen.get());
  }

  private void webSocket(ChannelHandlerContext ctx, FullHttpRequest req, StreamRequest request) {
    boolean forward = request instanceof StreamRequest.PortForward;
    List<String> server = forward ? Protocols.WS_PORT_FORWARD : Protocols.WS_COMMAND;
    List<String> offered = Protocols.values(req.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL));
    Optional<String> chosen = Protocols.negotiate(offered, server);
    if (chosen.isEmpty()) {
      respond(ctx, HttpResponseStatus.BAD_REQUEST, "unable to upgrade: client supports " + offered
          + ", server supports " + server);
      return;
    }
    if (forward && ((StreamRequest.PortForward) request).ports().isEmpty()) {
      respond(ctx, HttpResponseStatus.BAD_REQUEST, "port-forward over WebSocket needs the ports named in the"
          + " PortForward request");
      return;
    }
    String protocol = chosen.get();
    WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory("ws://stream" + req.uri(),
        protocol.isEmpty() ? null : protocol, false, MAX_WS_MESSAGE).newHandshaker(req);
    if (handshaker == null) {
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
      return;
    }
    Channel ch = ctx.channel();
    NettyClient client = new NettyClient(ch, () -> new CloseWebSocketFrame(1000, ""));
    Set<Integer> readable = new HashSet<>();
    if (forward) {
      List<Integer> ports = ((StreamRequest.PortForward) request).ports();
      for (int i = 0; i < ports.size(); i++) {
        readable.add(2 * i);
      }
    } else {
      readable.addAll(Set.of(STDIN, RESIZE));
    }
    WsConnection conn = new WsConnection(ch, protocol, readable, () -> { });
    ctx.pipeline().addLast(new WebSocketFrameAggregator(MAX_WS_MESSAGE), conn);
    handshaker.handshake(ch, req).addListener((ChannelFutureListener) f -> {
      if (!f.isSuccess()) {
        ch.close();
        return;
      }
      if (forward) {
        startPortForward((StreamRequest.PortForward) request, conn, client);
      } else {
        startCommand(request, protocol, conn, client);
      }
    });
    ctx.pipeline().remove(this);
    guard.upgraded(ctx.pipeline());
    LOG.debug("streaming session", "kind", request.kind(), "transport", "websocket", "protocol", protocol);
  }

  private void startCommand(StreamRequest request, String protocol, WsConnection conn, NettyClient client) {
    StreamRequest.Command c = (StreamRequest.Command) request;
    boolean stdin = c.stdin();
    boolean stdout = c.stdout();
    boolean stderr = c.stderr();
    boolean tty = c.tty();
    CommandStreams s = new CommandStreams(stdin ? conn.in(STDIN) : null, stdout ? conn.out(STDOUT) : null,
        stderr && !tty ? conn.out(STDERR) : null, tty ? conn.in(RESIZE) : null, conn.out(ERROR),
        Protocols.structuredStatus(protocol));
    // Clients wait for a first (empty) message on the lowest channel they read, to know the session is up.
    conn.send(stdout ? STDOUT : stderr && !tty ? STDERR : ERROR, new byte[0]);
    StreamIo.THREADS.execute(() -> commands.run(request, s, client));
  }

  private void startPortForward(StreamRequest.PortForward request, WsConnection conn, NettyClient client) {
    List<Integer> ports = request.ports();
    AtomicInteger running = new AtomicInteger(ports.size());
    for (int i = 0; i < ports.size(); i++) {
      int port = ports.get(i);
      byte[] prefix = {(byte) port, (byte) (port >>> 8)};
      conn.send(2 * i, prefix);
      conn.send(2 * i + 1, prefix);
      int index = i;
      StreamIo.THREADS.execute(() -> {
        forwards.forward(request.podId(), port, conn.in(2 * index), conn.out(2 * index), conn.out(2 * index + 1),
            client, false);
        if (running.decrementAndGet() == 0) {
          client.end();
        }
      });
    }
  }

  private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
    FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.copiedBuffer(body + "\n", StandardCharsets.UTF_8));
    resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
    resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("streaming request failed", "error", String.valueOf(cause));
    ctx.close();
  }
}
