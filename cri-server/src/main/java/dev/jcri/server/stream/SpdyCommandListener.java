package dev.jcri.server.stream;

import io.netty.channel.Channel;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Exec or attach over SPDY: waits for the streams the request calls for (error, and stdin, stdout, stderr,
 * resize as asked), then runs the session. A client that does not open them in time is disconnected.
 */
final class SpdyCommandListener implements SpdyConnection.Listener {

  static final long STREAM_CREATION_TIMEOUT_SECONDS = 30;

  private final StreamRequest request;
  private final String protocol;
  private final CommandSession session;
  private final Set<String> expected;
  private final Map<String, SpdyConnection.Stream> streams = new HashMap<>();
  private final NettyClient client;
  private final ScheduledFuture<?> timeout;
  private boolean started;

  SpdyCommandListener(StreamRequest request, String protocol, CommandSession session, Channel channel) {
    this.request = request;
    this.protocol = protocol;
    this.session = session;
    StreamRequest.Command command = (StreamRequest.Command) request;
    boolean tty = command.tty();
    Set<String> want = new HashSet<>(Set.of("error"));
    if (command.stdin()) {
      want.add("stdin");
    }
    if (command.stdout()) {
      want.add("stdout");
    }
    if (command.stderr() && !tty) {
      want.add("stderr");
    }
    if (tty && Protocols.resizable(protocol, false)) {
      want.add("resize");
    }
    this.expected = Set.copyOf(want);
    this.client = new NettyClient(channel, () -> null);
    this.timeout = channel.eventLoop().schedule(() -> {
      if (!started) {
        channel.close();
      }
    }, STREAM_CREATION_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void opened(SpdyConnection.Stream stream) {
    String type = stream.header("streamtype");
    streams.putIfAbsent(type, stream);
    if (!started && streams.keySet().containsAll(expected)) {
      started = true;
      timeout.cancel(false);
      CommandStreams s = new CommandStreams(in("stdin"), out("stdout"), out("stderr"), in("resize"),
          streams.get("error").out(), Protocols.structuredStatus(protocol));
      StreamIo.THREADS.execute(() -> session.run(request, s, client));
    }
  }

  private InputStream in(String type) {
    SpdyConnection.Stream s = streams.get(type);
    return s == null || !expected.contains(type) ? null : s.in();
  }

  private OutputStream out(String type) {
    SpdyConnection.Stream s = streams.get(type);
    return s == null || !expected.contains(type) ? null : s.out();
  }

  @Override
  public void closed() {
    timeout.cancel(false);
  }
}
