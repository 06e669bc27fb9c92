package dev.jcri.server.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The client side of Kubernetes' SPDY streaming, as kubectl and crictl speak it: an upgrade request naming
 * the sub-protocols, then streams the client opens with a {@code streamtype} header.
 */
final class SpdyTestClient implements AutoCloseable {

  static final EventLoopGroup LOOPS = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

  /** What came back on one stream. */
  static final class Received {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final CompletableFuture<Void> replied = new CompletableFuture<>();
    final CompletableFuture<byte[]> finished = new CompletableFuture<>();
    final CompletableFuture<Void> reset = new CompletableFuture<>();

    synchronized void add(ByteBuf b) {
      byte[] a = new byte[b.readableBytes()];
      b.readBytes(a);
      bytes.write(a, 0, a.length);
    }

    synchronized byte[] soFar() {
      return bytes.toByteArray();
    }

    synchronized void finish() {
      finished.complete(bytes.toByteArray());
    }
  }

  final Channel channel;
  final FullHttpResponse response;
  private final Map<Integer, Received> streams = new ConcurrentHashMap<>();
  private int nextId = 1;
  final CompletableFuture<Void> closed = new CompletableFuture<>();

  private SpdyTestClient(Channel channel, FullHttpResponse response) {
    this.channel = channel;
    this.response = response;
    channel.closeFuture().addListener(f -> {
      closed.complete(null);
      streams.values().forEach(Received::finish);
    });
  }

  /** Sends the upgrade request; the connection speaks SPDY if the answer is 101. */
  static SpdyTestClient connect(String url, List<String> protocols) throws Exception {
    URI uri = URI.create(url);
    CompletableFuture<FullHttpResponse> answer = new CompletableFuture<>();
    CompletableFuture<SpdyTestClient> holder = new CompletableFuture<>();
    Channel ch = new Bootstrap().group(LOOPS).channel(NioSocketChannel.class).handler(
        new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel c) {
            c.pipeline().addLast("http", new HttpClientCodec()).addLast("agg", new HttpObjectAggregator(1 << 16))
                .addLast("upgrade", new SimpleChannelInboundHandler<FullHttpResponse>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                    if (r.status().code() == 101) {
                      ctx.pipeline().addLast(new SpdyFrameCodec(SpdyVersion.SPDY_3_1), new FrameHandler(holder));
                      ctx.pipeline().remove("agg");
                      ctx.pipeline().remove("http");
                      ctx.pipeline().remove(this);
                    }
                    answer.complete(r.retainedDuplicate());
                  }
                });
          }
        }).connect(uri.getHost(), uri.getPort()).sync().channel();
    FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri.getRawPath());
    req.headers().set(HttpHeaderNames.HOST, uri.getAuthority());
    req.headers().set(HttpHeaderNames.CONNECTION, "Upgrade");
    req.headers().set(HttpHeaderNames.UPGRADE, "SPDY/3.1");
    for (String p : protocols) {
      req.headers().add("X-Stream-Protocol-Version", p);
    }
    req.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
    ch.writeAndFlush(req).sync();
    FullHttpResponse r = answer.get(10, TimeUnit.SECONDS);
    SpdyTestClient client = new SpdyTestClient(ch, r);
    holder.complete(client);
    return client;
  }

  int status() {
    return response.status().code();
  }

  String protocol() {
    return response.headers().get("X-Stream-Protocol-Version", "");
  }

  String body() {
    return response.content().toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Opens a stream and waits for the server's reply. */
  synchronized int open(Map<String, String> headers) throws Exception {
    int id = nextId;
    nextId += 2;
    Received r = new Received();
    streams.put(id, r);
    DefaultSpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
    headers.forEach(syn.headers()::set);
    channel.writeAndFlush(syn).sync();
    r.replied.get(10, TimeUnit.SECONDS);
    return id;
  }

  int open(String streamType) throws Exception {
    return open(Map.of("streamtype", streamType));
  }

  /** Opens a stream without waiting for the server's reply (which a refused stream never gets). */
  synchronized int openNoWait(String streamType) {
    int id = nextId;
    nextId += 2;
    streams.put(id, new Received());
    DefaultSpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
    syn.headers().set("streamtype", streamType);
    channel.writeAndFlush(syn).syncUninterruptibly();
    return id;
  }

  /** Whether the server reset the stream (RST_STREAM) within {@code timeout}. */
  boolean awaitReset(int id, Duration timeout) {
    return completes(streams.get(id).reset, timeout);
  }

  /** Whether the server replied to the stream within {@code timeout}. */
  boolean awaitReply(int id, Duration timeout) {
    return completes(streams.get(id).replied, timeout);
  }

  private static boolean completes(CompletableFuture<Void> f, Duration timeout) {
    try {
      f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  void send(int id, byte[] data) {
    for (int off = 0; off < data.length; off += 32 * 1024) {
      int n = Math.min(32 * 1024, data.length - off);
      channel.writeAndFlush(new DefaultSpdyDataFrame(id, Unpooled.wrappedBuffer(data, off, n))).syncUninterruptibly();
    }
  }

  void finish(int id) {
    DefaultSpdyDataFrame fin = new DefaultSpdyDataFrame(id);
    fin.setLast(true);
    channel.writeAndFlush(fin).syncUninterruptibly();
  }

  /** Everything the stream carries up to its end (FIN or the connection closing). */
  byte[] readAll(int id, Duration timeout) throws Exception {
    return streams.get(id).finished.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  String readString(int id) throws Exception {
    return new String(readAll(id, Duration.ofSeconds(60)), java.nio.charset.StandardCharsets.UTF_8);
  }

  byte[] soFar(int id) {
    return streams.get(id).soFar();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    response.release();
  }

  private static final class FrameHandler extends SimpleChannelInboundHandler<Object> {
    private final CompletableFuture<SpdyTestClient> client;

    FrameHandler(CompletableFuture<SpdyTestClient> client) {
      this.client = client;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object msg) throws Exception {
      SpdyTestClient c = client.get(10, TimeUnit.SECONDS);
      switch (msg) {
        case SpdySynReplyFrame f -> c.streams.get(f.streamId()).replied.complete(null);
        case SpdyDataFrame f -> {
          Received r = c.streams.get(f.streamId());
          r.add(f.content());
          if (f.isLast()) {
            r.finish();
          }
        }
        case SpdyRstStreamFrame f -> {
          c.streams.get(f.streamId()).reset.complete(null);
          c.streams.get(f.streamId()).finish();
        }
        default -> { }
      }
    }
  }
}
