package dev.jcri.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/configuration.md is what the defaults and `jcri config`'s words make of it, and names every key. */
class ConfigurationDocTest {

  static final Path DOC = Path.of("../docs/configuration.md").toAbsolutePath().normalize();

  @Test
  void configurationReference_isCurrent() throws Exception {
    String generated = ConfigRenderer.markdown(JcriConfig.defaults());
    if (Boolean.getBoolean("jcri.docs.update")) {
      Files.writeString(DOC, generated);
    }
    assertEquals(generated, Files.exists(DOC) ? Files.readString(DOC) : "",
        "docs/configuration.md is not current: run `make docs`");
  }

  @Test
  void everyKeyOfTheDefaults_hasARowWithWords() {
    String doc = ConfigRenderer.markdown(JcriConfig.defaults());
    List<String> keys = new ArrayList<>();
    leaves(RecordTrees.toTree(JcriConfig.defaults()), "", keys);
    for (String key : keys) {
      String row = doc.lines().filter(l -> l.startsWith("| `" + key + "` |")).findFirst().orElse("");
      assertTrue(!row.isEmpty() && !row.endsWith("|  |"), key + " has no row with words:\n" + row);
    }
  }

  private static void leaves(JsonNode node, String path, List<String> out) {
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String key = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
      if (key.equals("runtimes") || key.equals("registry.mirrors")) {
        out.add(key);
      } else if (e.getValue().isObject()) {
        leaves(e.getValue(), key, out);
      } else {
        out.add(key);
      }
    }
  }
}
