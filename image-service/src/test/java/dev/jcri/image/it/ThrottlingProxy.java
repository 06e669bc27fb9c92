package dev.jcri.image.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A TCP proxy on loopback that passes the upstream's replies at a bounded rate; closing it cuts every connection. */
final class ThrottlingProxy implements AutoCloseable {

  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  private ThrottlingProxy(ServerSocket server) {
    this.server = server;
  }

  static ThrottlingProxy start(int upstreamPort, int bytesPerSecond) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    ThrottlingProxy proxy = new ThrottlingProxy(server);
    Thread.ofPlatform().daemon().start(() -> {
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          proxy.sockets.add(client);
          Socket upstream;
          try {
            upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
          } catch (IOException e) {
            client.close();
            continue;
          }
          proxy.sockets.add(upstream);
          Thread.ofPlatform().daemon().start(() -> pump(client, upstream, Integer.MAX_VALUE));
          Thread.ofPlatform().daemon().start(() -> pump(upstream, client, bytesPerSecond));
        } catch (IOException e) {
          return;
        }
      }
    });
    return proxy;
  }

  int port() {
    return server.getLocalPort();
  }

  private static void pump(Socket from, Socket to, int bytesPerSecond) {
    byte[] buf = new byte[16 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      long start = System.nanoTime();
      long sent = 0;
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        out.flush();
        sent += n;
        long due = (long) (sent * 1e9 / bytesPerSecond) - (System.nanoTime() - start);
        if (due > 0) {
          Thread.sleep(due / 1_000_000, (int) (due % 1_000_000));
        }
      }
    } catch (IOException | InterruptedException e) {
      // connection cut
    } finally {
      try {
        from.close();
        to.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }

  @Override
  public void close() throws IOException {
    cut();
  }

  /** Closes the listener and every connection. */
  void cut() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
