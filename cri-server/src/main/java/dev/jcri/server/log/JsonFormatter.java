package dev.jcri.server.log;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jcri.common.Json;
import dev.jcri.common.Log;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/** One JSON object a line: time, level, logger, msg, the record's fields, and error when there is one. */
final class JsonFormatter extends Formatter {

  private static final ObjectMapper JSON = Json.PLAIN;

  @Override
  public String format(LogRecord record) {
    ObjectNode line = JSON.createObjectNode();
    line.put("time", DateTimeFormatter.ISO_INSTANT.format(record.getInstant()));
    line.put("level", LogSetup.levelName(record.getLevel()));
    line.put("logger", LogSetup.shortLogger(record.getLoggerName()));
    Map<String, Object> fields = Log.fieldsOf(record);
    line.put("msg", fields.isEmpty() && record.getParameters() != null ? formatMessage(record) : record.getMessage());
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      Object v = e.getValue();
      if (v instanceof Number n) {
        line.putPOJO(e.getKey(), n);
      } else if (v instanceof Boolean b) {
        line.put(e.getKey(), b);
      } else {
        line.put(e.getKey(), String.valueOf(v));
      }
    }
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(trace));
      line.put("error", trace.toString());
    }
    try {
      return JSON.writeValueAsString(line) + "\n";
    } catch (JsonProcessingException e) {
      return "{\"level\":\"error\",\"msg\":\"unprintable log record\"}\n";
    }
  }
}
