package dev.jcri.server.stream;

import dev.jcri.common.JcriException;
import dev.jcri.sandbox.pod.PodSandboxManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Forwards one connection between a client's stream pair and a port on a pod's loopback. */
final class PortForwardSession {

  private final PodSandboxManager pods;

  PortForwardSession(PodSandboxManager pods) {
    this.pods = pods;
  }

  /**
   * Connects to {@code port} in the pod and copies both ways; a failure to connect is written to
   * {@code error}. Closes {@code toClient} and {@code error} when done.
   *
   * @param halfClose whether the client's protocol can end its direction on its own (SPDY's FIN): then the
   *     session lasts until both directions ended, so an upload is not cut short by the pod's side ending
   *     first; otherwise (WebSocket) it ends with the pod's side
   */
  void forward(String podId, int port, InputStream fromClient, OutputStream toClient, OutputStream error,
      ClientConnection client, boolean halfClose) {
    SocketChannel socket;
    try {
      socket = pods.dialPort(podId, port);
    } catch (IOException | JcriException e) {
      try {
        error.write(("error forwarding port " + port + " to pod " + podId + ": " + e.getMessage())
            .getBytes(StandardCharsets.UTF_8));
      } catch (IOException ignored) {
        // the client is gone
      }
      StreamIo.closeQuietly(error);
      StreamIo.closeQuietly(toClient);
      return;
    }
    client.onClientGone(() -> StreamIo.closeQuietly(socket));
    Future<?> upstream = StreamIo.THREADS.submit(() -> {
      try {
        StreamIo.copy(fromClient, socket.socket().getOutputStream());
      } catch (IOException ignored) {
        // closed already
      }
      try {
        socket.shutdownOutput();
      } catch (IOException ignored) {
        // closed already
      }
    });
    try {
      StreamIo.copy(socket.socket().getInputStream(), toClient);
    } catch (IOException ignored) {
      // closed already
    }
    // The pod's side is done: say so on both streams (clients take the error stream's end as the signal to
    // close their local connection), but keep taking what the client still sends until it ends too.
    StreamIo.closeQuietly(toClient);
    StreamIo.closeQuietly(error);
    if (halfClose) {
      try {
        upstream.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException ignored) {
        // the copy itself never throws
      }
    }
    StreamIo.closeQuietly(socket);
  }
}
