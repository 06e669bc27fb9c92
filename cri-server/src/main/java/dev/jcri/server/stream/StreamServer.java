package dev.jcri.server.stream;

import dev.jcri.common.Log;
import dev.jcri.sandbox.container.ContainerManager;
import dev.jcri.sandbox.pod.PodSandboxManager;
import dev.jcri.server.config.JcriConfig;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The HTTP server behind the URLs Exec, Attach and PortForward return, on the event loops the gRPC server
 * already runs.
 */
public final class StreamServer implements AutoCloseable {

  private static final Log LOG = Log.of(StreamServer.class);
  /** Streaming connections open at once; each session holds threads and a runtime process. */
  static final int MAX_CONNECTIONS = 128;

  private final Channel listener;
  private final StreamTokens tokens;
  private final String base;

  private StreamServer(Channel listener, StreamTokens tokens, String base) {
    this.listener = listener;
    this.tokens = tokens;
    this.base = base;
  }

  public static StreamServer start(JcriConfig.Stream config, EventLoopGroup loops, ContainerManager containers,
      PodSandboxManager pods) throws IOException {
    StreamTokens tokens = new StreamTokens();
    CommandSession commands = new CommandSession(containers);
    PortForwardSession forwards = new PortForwardSession(pods);
    SslContext tls = StreamTls.context(config);
    ConnectionGuard guard = new ConnectionGuard(MAX_CONNECTIONS, Duration.ofSeconds(config.idleTimeoutSeconds()));
    ServerBootstrap b = new ServerBootstrap().group(loops).channel(EpollServerSocketChannel.class)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 << 10, 1 << 20))
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            guard.install(ch.pipeline());
            if (tls != null) {
              ch.pipeline().addLast(tls.newHandler(ch.alloc()));
            }
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 << 10),
                new StreamHttpHandler(tokens, commands, forwards, guard));
          }
        });
    InetAddress address = InetAddress.getByName(config.address());
    Channel ch;
    try {
      ch = b.bind(new InetSocketAddress(address, config.port())).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while binding the streaming server", e);
    } catch (RuntimeException e) {
      throw new IOException("cannot serve streams on " + config.address() + ":" + config.port() + ": "
          + e.getMessage(), e);
    }
    int port = ((InetSocketAddress) ch.localAddress()).getPort();
    String host = address.isAnyLocalAddress() ? InetAddress.getLocalHost().getHostAddress() : address.getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    String base = (tls != null ? "https" : "http") + "://" + host + ":" + port;
    LOG.info("streaming server listening", "url", base);
    return new StreamServer(ch, tokens, base);
  }

  /** Issues a single-use URL for {@code request}. */
  public String urlFor(StreamRequest request) {
    return base + "/" + request.kind() + "/" + tokens.issue(request);
  }

  /** The scheme, host and port URLs start with. */
  public String base() {
    return base;
  }

  @Override
  public void close() {
    listener.close().awaitUninterruptibly();
  }
}
