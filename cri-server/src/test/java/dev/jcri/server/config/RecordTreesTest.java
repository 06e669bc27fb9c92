package dev.jcri.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class RecordTreesTest {

  @Test
  void defaults_toATree_andBack_areTheSame() {
    ObjectNode tree = RecordTrees.toTree(JcriConfig.defaults());
    assertEquals("auto", tree.get("cgroup_driver").asText());
    assertEquals("/etc/jcri/certs.d", tree.path("registry").path("config_path").asText());
    assertEquals(JcriConfig.defaults(), RecordTrees.bind(tree, JcriConfig.class));
  }

  @Test
  void mismatches_nameTheKeyPath_andWhatWasExpected() {
    ObjectNode tree = RecordTrees.toTree(JcriConfig.defaults());
    ((ObjectNode) tree.get("stream")).put("port", "80");
    assertMessage("key 'stream.port': expected a whole number, got \"80\"", tree);
    tree = RecordTrees.toTree(JcriConfig.defaults());
    ((ObjectNode) tree.get("cni")).put("default_network", 1);
    assertMessage("key 'cni.default_network': expected true or false, got 1", tree);
    tree = RecordTrees.toTree(JcriConfig.defaults());
    tree.put("log_level", "loud");
    assertMessage("key 'log_level': expected one of debug, info, warn, error, got \"loud\"", tree);
    tree = RecordTrees.toTree(JcriConfig.defaults());
    ((ObjectNode) tree.get("runtimes").get("crun")).put("pth", "/x");
    assertMessage("unknown key 'runtimes.crun.pth' (known keys here: path, root)", tree);
    tree = RecordTrees.toTree(JcriConfig.defaults());
    tree.withArray("cdi_spec_dirs").add(3);
    assertMessage("key 'cdi_spec_dirs[2]': expected a string, got 3", tree);
    tree = RecordTrees.toTree(JcriConfig.defaults());
    ((ObjectNode) tree.get("registry")).put("max_layer_bytes", 1.5);
    assertMessage("key 'registry.max_layer_bytes': expected a whole number, got 1.5", tree);
  }

  private static void assertMessage(String expected, ObjectNode tree) {
    RecordTrees.BindException e = assertThrows(RecordTrees.BindException.class,
        () -> RecordTrees.bind(tree, JcriConfig.class));
    assertTrue(e.getMessage().equals(expected), e.getMessage());
  }

  @Test
  void snakeCase_asJacksonNamedThem() {
    assertEquals("max_concurrent_downloads", RecordTrees.snake("maxConcurrentDownloads"));
    assertEquals("socket", RecordTrees.snake("socket"));
  }
}
