package dev.jcri.sandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process file an exec runs with: the container's own process, the exec's args and terminal. */
class ExecProcessTest {

  @TempDir Path bundle;
  private final ObjectMapper json = new ObjectMapper();

  private JsonNode process(List<String> args, TerminalSize terminal) throws IOException {
    return json.readTree(OciExec.processJson(bundle, args, terminal));
  }

  private void spec(String process) throws IOException {
    Path config = bundle.resolve("config.json");
    Files.writeString(config, "{\"ociVersion\":\"1.0.2\",\"process\":" + process + ",\"root\":{\"path\":\"rootfs\"}}");
    // a rewrite within the clock's granularity would look unchanged: move the stamp on
    Files.setLastModifiedTime(config, FileTime.fromMillis(System.currentTimeMillis() + 1000 * (long) process.length()));
  }

  @Test
  void theContainersProcess_withTheExecsArgs_withoutItsOomScore() throws IOException {
    spec("{\"terminal\":true,\"user\":{\"uid\":1000,\"gid\":1000,\"additionalGids\":[5]},\"args\":[\"sleep\",\"1\"],"
        + "\"env\":[\"PATH=/bin\",\"TOKEN=\\\"q\\\"\"],\"cwd\":\"/work\",\"consoleSize\":{\"height\":1,\"width\":2},"
        + "\"capabilities\":{\"bounding\":[\"CAP_KILL\"]},\"noNewPrivileges\":true,\"oomScoreAdj\":999}");
    for (int i = 0; i < 2; i++) { // the second from the kept template
      JsonNode p = process(List.of("sh", "-c", "echo \"a b\" 'c'\n\u00e9"), null);
      assertEquals(List.of("sh", "-c", "echo \"a b\" 'c'\n\u00e9"),
          json.convertValue(p.get("args"), json.getTypeFactory().constructCollectionType(List.class, String.class)));
      assertFalse(p.get("terminal").asBoolean());
      assertFalse(p.has("consoleSize"), "the container's terminal size is not the exec's");
      assertFalse(p.has("oomScoreAdj"), "an exec does not take the container's OOM score");
      assertEquals(1000, p.path("user").path("uid").asInt());
      assertEquals(5, p.path("user").path("additionalGids").get(0).asInt());
      assertEquals("TOKEN=\"q\"", p.path("env").get(1).asText());
      assertEquals("/work", p.path("cwd").asText());
      assertEquals("CAP_KILL", p.path("capabilities").path("bounding").get(0).asText());
      assertTrue(p.path("noNewPrivileges").asBoolean());
    }
  }

  @Test
  void terminal_withItsSize() throws IOException {
    spec("{\"user\":{\"uid\":0,\"gid\":0},\"cwd\":\"/\"}");
    JsonNode p = process(List.of("sh"), new TerminalSize(120, 40));
    assertTrue(p.get("terminal").asBoolean());
    assertEquals(40, p.path("consoleSize").path("height").asInt());
    assertEquals(120, p.path("consoleSize").path("width").asInt());
    assertFalse(process(List.of("sh"), new TerminalSize(0, 0)).has("consoleSize"), "no size known yet");
  }

  @Test
  void emptyProcess_andAChangedSpec() throws IOException {
    spec("{}");
    assertEquals(List.of("args", "terminal"), List.copyOf(iterable(process(List.of("true"), null))));
    spec("{\"cwd\":\"/changed\"}");
    assertEquals("/changed", process(List.of("true"), null).path("cwd").asText(), "a new config.json is read again");
  }

  private static List<String> iterable(JsonNode n) {
    List<String> names = new java.util.ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
