package dev.jcri.server.stream;

import dev.jcri.common.JcriException;
import dev.jcri.sandbox.pod.PodSandboxManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** Forwards one connection between a client's stream pair and a port on a pod's loopback. */
final class PortForwardSession {

  private final PodSandboxManager pods;

  PortForwardSession(PodSandboxManager pods) {
    this.pods = pods;
  }

  /**
   * Connects to {@code port} in the pod and copies both ways until the pod's side ends; a failure to
   * connect is written to {@code error}. Closes {@code toClient} and {@code error} when done.
   */
  void forward(String podId, int port, InputStream fromClient, OutputStream toClient, OutputStream error,
      ClientConnection client) {
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
    StreamIo.THREADS.execute(() -> {
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
    StreamIo.closeQuietly(socket);
    StreamIo.closeQuietly(toClient);
    StreamIo.closeQuietly(error);
  }
}
