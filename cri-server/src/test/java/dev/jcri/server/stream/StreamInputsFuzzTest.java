package dev.jcri.server.stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jcri.image.testing.FuzzInput;
import dev.jcri.sandbox.runtime.TerminalSize;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySettingsFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a streaming client sends. SPDY frames (well-formed, then with bytes flipped) never make the session
 * throw or open more than {@link SpdyConnection#MAX_STREAMS} streams (what a connection holds is bounded by
 * stopping its reads, which MemoryAttackIT checks on a real socket); resize streams give only sizes in range, each from a message of at most
 * {@link ResizeMessages#MAX_MESSAGE} bytes, or end as abuse.
 */
class StreamInputsFuzzTest {

  static final List<String> RESIZE = List.of("{", "}", "\"Width\"", "\"Height\"", ":", ",", "80", "24", "-1",
      "99999999999", "\"", "\\\"", " ", "\n", "[", "]", "null", "{\"Width\":80,\"Height\":24}");

  static void resizeTarget(FuzzInput in) {
    byte[] stream = in.bool() ? FuzzInput.joined(in, RESIZE, 40).getBytes(StandardCharsets.UTF_8) : in.bytes(4000);
    List<TerminalSize> sizes = new ArrayList<>();
    try {
      ResizeMessages.read(new ByteArrayInputStream(stream), sizes::add);
    } catch (IOException refused) {
      // abuse or bad JSON ends the stream
    }
    for (TerminalSize s : sizes) {
      assertTrue(s.columns() >= 0 && s.columns() <= 0xffff && s.rows() >= 0 && s.rows() <= 0xffff, s.toString());
    }
    assertTrue(sizes.size() <= stream.length / 2, "a size per message of at least two bytes");
  }

  static void spdyTarget(FuzzInput in) {
    EmbeddedChannel client = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
    int frames = in.intIn(1, 300);
    for (int i = 0; i < frames; i++) {
      int id = in.intIn(1, 600);
      Object f = switch (in.intIn(0, 5)) {
        case 0 -> {
          DefaultSpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
          syn.headers().set("streamtype", in.text(10));
          syn.setLast(in.bool());
          yield syn;
        }
        case 1 -> {
          DefaultSpdyDataFrame d = new DefaultSpdyDataFrame(id, Unpooled.wrappedBuffer(new byte[in.intIn(0, 64 << 10)]));
          d.setLast(in.bool());
          yield d;
        }
        case 2 -> new DefaultSpdyRstStreamFrame(id, in.intIn(1, 11));
        case 3 -> new DefaultSpdyPingFrame(id);
        case 4 -> new DefaultSpdySettingsFrame();
        default -> new DefaultSpdyGoAwayFrame(id);
      };
      client.writeOutbound(f);
    }
    List<byte[]> wire = new ArrayList<>();
    ByteBuf b;
    while ((b = client.readOutbound()) != null) {
      byte[] a = new byte[b.readableBytes()];
      b.readBytes(a);
      b.release();
      wire.add(a);
    }
    client.finishAndReleaseAll();
    if (!wire.isEmpty() && in.bool()) {
      byte[] victim = wire.get(in.intIn(0, wire.size() - 1));
      if (victim.length > 0) {
        int flips = in.intIn(1, 4);
        for (int i = 0; i < flips; i++) {
          victim[in.intIn(0, victim.length - 1)] ^= (byte) in.intIn(1, 255);
        }
      }
    }
    SpdyConnection conn = new SpdyConnection(new SpdyConnection.Listener() {
      @Override
      public void opened(SpdyConnection.Stream stream) {}

      @Override
      public void closed() {}
    });
    EmbeddedChannel server = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1), conn);
    for (byte[] chunk : wire) {
      if (!server.isOpen()) {
        break;
      }
      server.writeInbound(Unpooled.wrappedBuffer(chunk));
      assertTrue(conn.openStreams() <= SpdyConnection.MAX_STREAMS, "streams " + conn.openStreams());
    }
    server.checkException();
    server.finishAndReleaseAll();
  }

  @FuzzTest(maxDuration = "2m")
  void resize(FuzzedDataProvider data) {
    resizeTarget(FuzzInput.of(data));
  }

  @FuzzTest(maxDuration = "2m")
  void spdy(FuzzedDataProvider data) {
    spdyTarget(FuzzInput.of(data));
  }

  @Test
  void randomResizeStreams() {
    FuzzInput.runRandom(3000, 29, StreamInputsFuzzTest::resizeTarget);
  }

  @Test
  void randomSpdySessions() {
    FuzzInput.runRandom(200, 31, StreamInputsFuzzTest::spdyTarget);
  }
}
