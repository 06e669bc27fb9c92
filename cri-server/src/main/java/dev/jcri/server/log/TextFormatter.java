package dev.jcri.server.log;

import dev.jcri.common.Log;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/** One line a record: time, level, logger, message, then the fields as {@code key=value}. */
final class TextFormatter extends Formatter {

  @Override
  public String format(LogRecord record) {
    StringBuilder sb = new StringBuilder(160);
    sb.append(DateTimeFormatter.ISO_INSTANT.format(record.getInstant())).append(' ');
    String level = LogSetup.levelName(record.getLevel());
    sb.append(level);
    sb.append(" ".repeat(Math.max(1, 6 - level.length())));
    sb.append(LogSetup.shortLogger(record.getLoggerName())).append(": ").append(formatMessage(record));
    for (Map.Entry<String, Object> e : Log.fieldsOf(record).entrySet()) {
      sb.append(' ').append(e.getKey()).append('=').append(quote(String.valueOf(e.getValue())));
    }
    sb.append('\n');
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(trace));
      sb.append(trace);
    }
    return sb.toString();
  }

  @Override
  public synchronized String formatMessage(LogRecord record) {
    return Log.fieldsOf(record).isEmpty() && record.getParameters() != null
        ? super.formatMessage(record) : record.getMessage();
  }

  private static String quote(String v) {
    boolean plain = !v.isEmpty() && v.chars().noneMatch(c -> c <= ' ' || c == '"' || c == '=');
    return plain ? v : '"' + v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
  }
}
