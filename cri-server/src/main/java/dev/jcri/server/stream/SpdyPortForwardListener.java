package dev.jcri.server.stream;

import io.netty.channel.Channel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Port-forward over SPDY: every forwarded connection is a pair of streams, {@code error} and {@code data},
 * sharing a {@code requestid} and naming the {@code port}. Each complete pair is forwarded on its own
 * thread; any number of pairs may share the session.
 */
final class SpdyPortForwardListener implements SpdyConnection.Listener {

  private static final class Pair {
    SpdyConnection.Stream data;
    SpdyConnection.Stream error;
  }

  private final StreamRequest.PortForward request;
  private final PortForwardSession session;
  private final Channel channel;
  private final NettyClient client;
  private final Map<String, Pair> pending = new HashMap<>();

  SpdyPortForwardListener(StreamRequest.PortForward request, PortForwardSession session, Channel channel) {
    this.request = request;
    this.session = session;
    this.channel = channel;
    this.client = new NettyClient(channel, () -> null);
  }

  @Override
  public void opened(SpdyConnection.Stream stream) {
    String type = stream.header("streamtype");
    String id = stream.header("requestid");
    if (id.isEmpty()) {
      // Clients from before request ids: the error stream comes first, its data stream two ids later.
      id = Integer.toString(type.equals("data") ? stream.id() - 2 : stream.id());
    }
    if (!type.equals("data") && !type.equals("error")) {
      StreamIo.closeQuietly(stream.out());
      return;
    }
    String key = id;
    Pair pair = pending.computeIfAbsent(key, k -> {
      channel.eventLoop().schedule(() -> expire(k), SpdyCommandListener.STREAM_CREATION_TIMEOUT_SECONDS,
          TimeUnit.SECONDS);
      return new Pair();
    });
    if (type.equals("data")) {
      pair.data = stream;
    } else {
      pair.error = stream;
    }
    if (pair.data != null && pair.error != null) {
      pending.remove(key);
      StreamIo.THREADS.execute(() -> forward(pair));
    }
  }

  private void forward(Pair pair) {
    int port;
    try {
      port = Integer.parseInt(pair.data.header("port"));
    } catch (NumberFormatException e) {
      fail(pair, "invalid port header \"" + pair.data.header("port") + "\"");
      return;
    }
    session.forward(request.podId(), port, pair.data.in(), pair.data.out(), pair.error.out(), client, true);
  }

  private void expire(String key) {
    Pair pair = pending.remove(key);
    if (pair != null) {
      StreamIo.THREADS.execute(() -> fail(pair, "timed out waiting for the other stream of request " + key));
    }
  }

  private static void fail(Pair pair, String why) {
    if (pair.error != null) {
      try {
        pair.error.out().write(why.getBytes(StandardCharsets.UTF_8));
      } catch (IOException ignored) {
        // client gone
      }
      StreamIo.closeQuietly(pair.error.out());
    }
    if (pair.data != null) {
      StreamIo.closeQuietly(pair.data.out());
    }
  }

  @Override
  public void closed() {
    pending.clear();
  }
}
