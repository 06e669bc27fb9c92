package dev.jcri.server.stream;

import dev.jcri.sandbox.runtime.TerminalSize;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The resize stream of an exec or attach with a terminal: a sequence of {@code {"Width":..,"Height":..}}
 * objects from the client. A message is a few dozen bytes; each is read into a buffer of at most
 * {@link #MAX_MESSAGE} bytes before its fields are read, so no client can make jcri hold more (a 16 MiB object
 * ran the heap out when a streaming JSON parser read it whole). Anything that is not a sequence of balanced
 * objects ends the stream.
 */
final class ResizeMessages {

  static final int MAX_MESSAGE = 1024;

  /** Why the stream was given up. */
  static final class Abuse extends IOException {
    Abuse(String message) {
      super(message);
    }
  }

  private ResizeMessages() {}

  /** Applies every size the stream carries, until it ends; throws {@link Abuse} on a message out of bounds. */
  static void read(InputStream raw, Consumer<TerminalSize> apply) throws IOException {
    InputStream in = new BufferedInputStream(raw, 256);
    byte[] message = new byte[MAX_MESSAGE];
    int length = 0;
    int depth = 0;
    boolean inString = false;
    boolean escaped = false;
    int b;
    while ((b = in.read()) >= 0) {
      if (depth == 0 && length == 0) {
        if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
          continue;
        }
        if (b != '{') {
          throw new Abuse("a resize message must be a JSON object");
        }
      }
      if (length == MAX_MESSAGE) {
        throw new Abuse("a resize message is longer than " + MAX_MESSAGE + " bytes");
      }
      message[length++] = (byte) b;
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (b == '\\') {
          escaped = true;
        } else if (b == '"') {
          inString = false;
        }
        continue;
      }
      if (b == '"') {
        inString = true;
      } else if (b == '{' || b == '[') {
        depth++;
      } else if (b == '}' || b == ']') {
        depth--;
        if (depth == 0) {
          apply.accept(size(message, length));
          length = 0;
        }
      }
    }
  }

  private static final Pattern WIDTH = Pattern.compile("\"Width\"\\s*:\\s*(-?[0-9]{1,12})");
  private static final Pattern HEIGHT = Pattern.compile("\"Height\"\\s*:\\s*(-?[0-9]{1,12})");

  /**
   * The size a message names. Its fields are read directly (a message is a few dozen bytes and already bounded):
   * no JSON machinery to set up on the first resize, which must land before the command starts.
   */
  private static TerminalSize size(byte[] message, int length) throws Abuse {
    String text = new String(message, 0, length, StandardCharsets.UTF_8);
    long width = field(WIDTH, text);
    long height = field(HEIGHT, text);
    if (width < 0 || height < 0 || width > 0xffff || height > 0xffff) {
      throw new Abuse("a terminal size is out of range 0..65535");
    }
    return new TerminalSize((int) width, (int) height);
  }

  private static long field(Pattern p, String text) {
    Matcher m = p.matcher(text);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }
}
