package dev.jcri.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.common.Log;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class FormattersTest {

  private static LogRecord record() {
    List<LogRecord> seen = new CopyOnWriteArrayList<>();
    Logger logger = Logger.getLogger(FormattersTest.class.getName());
    Handler h = new Handler() {
      @Override
      public void publish(LogRecord r) {
        seen.add(r);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    logger.addHandler(h);
    try {
      Log.of(FormattersTest.class).info("rpc", "method", "RunPodSandbox", "name", "web pod", "duration_ms", 12.5);
    } finally {
      logger.removeHandler(h);
    }
    return seen.getFirst();
  }

  @Test
  void text_isOneLineWithQuotedValues() {
    String line = new TextFormatter().format(record());
    assertTrue(line.matches("\\S+Z info  server\\.log\\.FormattersTest: rpc method=RunPodSandbox name=\"web pod\""
        + " duration_ms=12\\.5\n"), line);
  }

  @Test
  void json_isOneObjectWithTypedFields() throws Exception {
    String line = new JsonFormatter().format(record());
    assertEquals(1, line.lines().count());
    JsonNode j = new ObjectMapper().readTree(line);
    assertEquals("info", j.path("level").asText());
    assertEquals("rpc", j.path("msg").asText());
    assertEquals("RunPodSandbox", j.path("method").asText());
    assertEquals("web pod", j.path("name").asText());
    assertEquals(12.5, j.path("duration_ms").asDouble());
    assertTrue(j.path("time").asText().endsWith("Z"));
  }
}
