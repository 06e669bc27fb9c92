package dev.jcri.server.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The floor under any runtime: a network namespace, a CNI ADD of the same plugin chain the runtimes are
 * given (bridge, then portmap with the bridge's result) and {@code crun run -d} of the same rootfs, timed
 * with no runtime in between.
 */
final class Floor {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONFLIST = BenchedRuntime.bridgeConf("fbench", "fbench0", "10.203.0.0/16");

  private final Path dir;
  private final Path bundle;

  Floor(Path dir, byte[] layerTarGz) throws Exception {
    this.dir = dir;
    this.bundle = Files.createDirectories(dir.resolve("bundle"));
    Path rootfs = Files.createDirectories(bundle.resolve("rootfs"));
    Path blob = dir.resolve("layer.tgz");
    Files.write(blob, layerTarGz);
    exec(Map.of(), null, "tar", "-xzf", blob.toString(), "-C", rootfs.toString());
    exec(Map.of(), null, "sh", "-c", "cd " + bundle + " && crun spec");
    ObjectNode spec = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    ObjectNode process = (ObjectNode) spec.get("process");
    process.put("terminal", false);
    process.set("args", JSON.valueToTree(List.of("/bin/sleep", "3600")));
    Files.write(bundle.resolve("config.json"), JSON.writeValueAsBytes(spec));
  }

  /** One pod's worth: netns, CNI ADD, crun run; returns ms; cleans up untimed. */
  double once(int i) throws Exception {
    String ns = "jcri-floor-" + i;
    String id = "jcri-floor-" + i;
    ObjectNode spec = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    ArrayNode namespaces = (ArrayNode) spec.path("linux").path("namespaces");
    for (int k = 0; k < namespaces.size(); k++) {
      if (namespaces.get(k).path("type").asText().equals("network")) {
        ((ObjectNode) namespaces.get(k)).put("path", "/var/run/netns/" + ns);
      }
    }
    Files.write(bundle.resolve("config.json"), JSON.writeValueAsBytes(spec));
    Map<String, String> env = Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", id, "CNI_NETNS", "/var/run/netns/" + ns,
        "CNI_IFNAME", "eth0", "CNI_PATH", "/usr/lib/cni");
    long t0 = System.nanoTime();
    exec(Map.of(), null, "ip", "netns", "add", ns);
    chain(env, true);
    // The detached container inherits crun's stdio: give it none, or its pipe would never end.
    Process run = new ProcessBuilder("crun", "--root", dir.resolve("crun").toString(), "run", "-d", "--bundle",
        bundle.toString(), id).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    if (run.waitFor() != 0) {
      throw new IOException("crun run " + id + " failed");
    }
    double ms = (System.nanoTime() - t0) / 1e6;
    exec(Map.of(), null, "crun", "--root", dir.resolve("crun").toString(), "delete", "-f", id);
    chain(Map.of("CNI_COMMAND", "DEL", "CNI_CONTAINERID", id, "CNI_NETNS", "/var/run/netns/" + ns, "CNI_IFNAME",
        "eth0", "CNI_PATH", "/usr/lib/cni"), false);
    exec(Map.of(), null, "ip", "netns", "del", ns);
    return ms;
  }

  /** Runs the conflist's plugins as a runtime does: in order for ADD, each given the previous result. */
  private static void chain(Map<String, String> env, boolean add) throws Exception {
    ObjectNode list = (ObjectNode) JSON.readTree(CONFLIST);
    List<ObjectNode> plugins = new java.util.ArrayList<>();
    list.withArray("plugins").forEach(p -> plugins.add((ObjectNode) p));
    if (!add) {
      java.util.Collections.reverse(plugins);
    }
    String prev = null;
    for (ObjectNode plugin : plugins) {
      ObjectNode conf = plugin.deepCopy();
      conf.put("cniVersion", list.path("cniVersion").asText());
      conf.put("name", list.path("name").asText());
      if (prev != null) {
        conf.set("prevResult", JSON.readTree(prev));
      }
      String out = exec(env, JSON.writeValueAsString(conf), "/usr/lib/cni/" + plugin.path("type").asText());
      if (add) {
        prev = out.substring(Math.max(0, out.indexOf('{')));
      }
    }
  }

  void close() throws Exception {
    exec(Map.of(), null, "ip", "link", "del", "fbench0");
  }

  private static String exec(Map<String, String> env, String stdin, String... cmd) throws IOException,
      InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      if (!cmd[0].equals("ip") || !String.join(" ", cmd).contains("link del")) {
        throw new IOException(String.join(" ", cmd) + " failed: " + out);
      }
    }
    return out;
  }
}
