package dev.jcri.server.grpc;

import dev.jcri.common.Log;
import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * grpc-java on Netty epoll, serving the CRI services on a unix socket. Calls run on virtual threads, so a
 * slow call (a pull) never holds up another.
 */
public final class CriServer {

  private static final Log LOG = Log.of(CriServer.class);

  /** kubelet's own limit for CRI messages. */
  public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

  private final Server server;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ExecutorService executor;
  private final Path socket;

  private CriServer(Server server, EventLoopGroup boss, EventLoopGroup workers, ExecutorService executor, Path socket) {
    this.server = server;
    this.boss = boss;
    this.workers = workers;
    this.executor = executor;
    this.socket = socket;
  }

  /**
   * Binds {@code socket} and starts serving.
   *
   * @param interceptors applied to every service; the first wraps the handler, the last sees the call first
   */
  public static CriServer start(Path socket, List<BindableService> services, List<ServerInterceptor> interceptors)
      throws IOException {
    return start(socket, services, interceptors, newEventLoops(), () -> false);
  }

  /** The boss and worker event loops jcri's servers share; {@link #shutdown} releases them. */
  public record EventLoops(EventLoopGroup boss, EventLoopGroup workers) {}

  public static EventLoops newEventLoops() {
    return new EventLoops(new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory()),
        new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory()));
  }

  /**
   * Like {@link #start(Path, List, List)}, on event loops shared with other servers.
   *
   * @param imageUsageCurrent whether ImageFsInfo answers without waiting now (then it runs on the event loop)
   */
  public static CriServer start(Path socket, List<BindableService> services, List<ServerInterceptor> interceptors,
      EventLoops loops, java.util.function.BooleanSupplier imageUsageCurrent) throws IOException {
    return serve(socket, services.stream().map(s -> ServerInterceptors.intercept(s, interceptors)).toList(), loops,
        imageUsageCurrent, () -> true);
  }

  /**
   * Binds {@code socket} at once with {@code gate}'s stand-ins for the CRI's runtime and image services: calls
   * are taken from now on and wait, each on a virtual thread, until the start opens the gate.
   *
   * @param imageUsageCurrent whether ImageFsInfo answers without waiting now (asked only once the gate is open)
   */
  public static CriServer startGated(Path socket, StartGate gate, EventLoops loops,
      java.util.function.BooleanSupplier imageUsageCurrent) throws IOException {
    return serve(socket, gate.standIns(List.of(RuntimeServiceGrpc.getServiceDescriptor(),
        ImageServiceGrpc.getServiceDescriptor())), loops, imageUsageCurrent, gate::isOpen);
  }

  private static CriServer serve(Path socket, List<ServerServiceDefinition> services, EventLoops loops,
      java.util.function.BooleanSupplier imageUsageCurrent, java.util.function.BooleanSupplier started)
      throws IOException {
    EventLoopGroup boss = loops.boss();
    EventLoopGroup workers = loops.workers();
    ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("rpc-", 0).factory());
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers)
        // Calls start on the event loop that read them; CallExecutors moves all but the quick reads to a
        // virtual thread before any interceptor or handler runs.
        .directExecutor()
        .callExecutor(new CallExecutors(executor, imageUsageCurrent, started))
        .maxInboundMessageSize(MAX_MESSAGE_BYTES);
    services.forEach(builder::addService);
    try {
      Server server = builder.build().start();
      return new CriServer(server, boss, workers, executor, socket);
    } catch (IOException | RuntimeException e) {
      boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      executor.shutdownNow();
      throw new IOException("cannot serve on " + socket + ": " + e.getMessage(), e);
    }
  }

  /**
   * Stops taking calls, lets calls in flight finish for up to {@code grace}, then cancels what is left.
   */
  public void shutdown(Duration grace) {
    server.shutdown();
    try {
      if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("calls still running after the grace period; cancelling them", "grace_ms", grace.toMillis());
        server.shutdownNow();
        server.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    executor.shutdownNow();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  public Path socket() {
    return socket;
  }
}
