package dev.jcri.server.it;

import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/** A client of jcri's unix socket with the generated stubs, as kubelet and crictl connect. */
public final class CriSocket implements AutoCloseable {

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  /**
   * grpc-java sets SO_KEEPALIVE on every client channel, which unix sockets do not have; Netty warns once per
   * connection. Nothing is wrong, so the tests' logs leave it out (held here: JUL keeps loggers weakly).
   */
  private static final Logger BOOTSTRAP = Logger.getLogger("io.netty.bootstrap.Bootstrap");

  static {
    BOOTSTRAP.setLevel(Level.SEVERE);
  }

  private final ManagedChannel channel;

  public CriSocket(Path socket) {
    channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollDomainSocketChannel.class)
        .eventLoopGroup(group)
        .usePlaintext()
        .maxInboundMessageSize(16 * 1024 * 1024)
        .build();
  }

  public ManagedChannel channel() {
    return channel;
  }

  public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
    return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(TestTime.seconds(30), TimeUnit.SECONDS);
  }

  public ImageServiceGrpc.ImageServiceBlockingStub images() {
    return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(TestTime.seconds(30), TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
