package dev.jcri.sandbox.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jcri.common.AtomicFiles;
import dev.jcri.common.DeadlineExceededException;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.HelperFailedException;
import dev.jcri.common.HelperProcess;
import dev.jcri.common.Json;
import dev.jcri.common.Log;
import dev.jcri.common.Spawn;
import dev.jcri.common.UnavailableException;
import dev.jcri.sandbox.network.CniConfigDir;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs CNI plugins (spec 1.0) for pods: the first usable network config by name, each plugin of a conflist
 * in turn with the previous result, and runtimeConfig for capabilities (portMappings); {@code lo} is brought up
 * by jcri itself when it creates the namespace. The config used and the result are cached per pod on disk, so DEL still works after a restart
 * of jcri or a change of the config directory.
 */
public final class CniNetwork implements PodNetwork {

  /** The default network jcri writes when none is configured: its file, bridge and subnet. */
  public static final String DEFAULT_FILE = "10-jcri.conflist";
  public static final String DEFAULT_BRIDGE = "jcri0";
  public static final String DEFAULT_SUBNET = "10.88.0.0/16";

  private static final Log LOG = Log.of(CniNetwork.class);
  private static final ObjectMapper JSON = Json.PLAIN;
  static final String IFNAME = "eth0";
  private static final long PLUGIN_TIMEOUT_SECONDS = 60;

  private final CniConfigDir confDir;
  private final List<Path> binDirs;
  private final Path cacheDir;

  public CniNetwork(CniConfigDir confDir, List<Path> binDirs, Path cacheDir) {
    this.confDir = confDir;
    this.binDirs = List.copyOf(binDirs);
    this.cacheDir = cacheDir;
  }

  /** Identity of a pod as CNI_ARGS passes it to plugins. */
  public record PodRef(String podId, String name, String namespace, String uid) {
    String cniArgs() {
      return "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + namespace + ";K8S_POD_NAME=" + name
          + ";K8S_POD_INFRA_CONTAINER_ID=" + podId + ";K8S_POD_UID=" + uid;
    }
  }

  @Override
  public List<String> recover() {
    AtomicFiles.sweepTemps(cacheDir);
    if (!Files.isDirectory(cacheDir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(cacheDir)) {
      return files.map(p -> p.getFileName().toString())
          .filter(n -> n.matches("[a-f0-9]{64}\\.json"))
          .map(n -> n.substring(0, n.length() - ".json".length()))
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  @Override
  public CniResult add(PodRef pod, Path netns, List<PortMapping> ports) {
    CniConfigDir.Lookup lookup = confDir.lookup();
    if (!lookup.ready()) {
      throw new FailedPreconditionException("cannot set up the pod network: " + lookup.problem());
    }
    JsonNode conf = read(lookup.file());
    ObjectNode list = asList(conf);
    ObjectNode runtimeConfig = JSON.createObjectNode();
    if (!ports.isEmpty()) {
      runtimeConfig.set("portMappings", JSON.valueToTree(ports.stream().map(p -> {
        ObjectNode n = JSON.createObjectNode();
        n.put("hostPort", p.hostPort());
        n.put("containerPort", p.containerPort());
        n.put("protocol", p.protocol());
        if (!p.hostIp().isEmpty()) {
          n.put("hostIP", p.hostIp());
        }
        return n;
      }).toList()));
    }
    // Cache what DEL needs before anything is set up: a crash after ADD must still allow DEL.
    ObjectNode cache = JSON.createObjectNode();
    cache.set("list", list);
    cache.set("runtimeConfig", runtimeConfig);
    cache.put("netns", netns.toString());
    writeCache(pod.podId(), cache);

    JsonNode prev = null;
    List<JsonNode> plugins = new ArrayList<>();
    list.path("plugins").forEach(plugins::add);
    for (JsonNode plugin : plugins) {
      ObjectNode in = pluginConfig(list, plugin, runtimeConfig, prev);
      prev = exec(plugin.path("type").asText(), "ADD", pod, netns, in);
    }
    cache.set("result", prev);
    writeCache(pod.podId(), cache);
    List<String> ips = new ArrayList<>();
    if (prev != null) {
      for (JsonNode ip : prev.path("ips")) {
        String addr = ip.path("address").asText();
        ips.add(addr.contains("/") ? addr.substring(0, addr.indexOf('/')) : addr);
      }
    }
    ips.sort((a, b) -> Boolean.compare(a.contains(":"), b.contains(":")));
    return new CniResult(list.path("name").asText(), ips, prev == null ? "" : prev.toString());
  }

  /**
   * Tears the pod's network down with the config and result cached at ADD. Nothing cached means nothing to
   * do; a namespace already gone is passed as empty CNI_NETNS, which plugins accept for DEL.
   */
  @Override
  public void del(String podId, PodRef pod) {
    Path file = cacheFile(podId);
    if (!Files.exists(file)) {
      return;
    }
    JsonNode cache = read(file);
    ObjectNode list = (ObjectNode) cache.path("list");
    JsonNode runtimeConfig = cache.path("runtimeConfig");
    Path netns = Path.of(cache.path("netns").asText());
    Path nsArg = Files.exists(netns) ? netns : null;
    JsonNode result = cache.path("result").isMissingNode() || cache.path("result").isNull() ? null : cache.path("result");
    List<JsonNode> plugins = new ArrayList<>();
    list.path("plugins").forEach(plugins::add);
    List<String> problems = new ArrayList<>();
    for (int i = plugins.size() - 1; i >= 0; i--) {
      JsonNode plugin = plugins.get(i);
      String type = plugin.path("type").asText();
      if (findPlugin(type) == null) {
        // A plugin that is not installed cannot have set anything up; its DEL is skipped.
        LOG.warn("CNI plugin missing at DEL; skipped", "type", type, "pod", podId);
        continue;
      }
      try {
        exec(type, "DEL", pod, nsArg, pluginConfig(list, plugin, runtimeConfig, result));
      } catch (RuntimeException e) {
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new HelperFailedException("tearing down the network of pod " + podId + " failed: " + problems);
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode pluginConfig(ObjectNode list, JsonNode plugin, JsonNode runtimeConfig, JsonNode prev) {
    ObjectNode in = plugin.deepCopy();
    in.put("name", list.path("name").asText());
    in.put("cniVersion", list.path("cniVersion").asText("1.0.0"));
    JsonNode caps = plugin.path("capabilities");
    if (caps.isObject()) {
      ObjectNode rc = JSON.createObjectNode();
      caps.properties().forEach(c -> {
        if (c.getValue().asBoolean() && runtimeConfig.has(c.getKey())) {
          rc.set(c.getKey(), runtimeConfig.get(c.getKey()));
        }
      });
      if (!rc.isEmpty()) {
        in.set("runtimeConfig", rc);
      }
    }
    if (prev != null) {
      in.set("prevResult", prev);
    }
    return in;
  }

  private static ObjectNode asList(JsonNode conf) {
    if (conf.has("plugins")) {
      return (ObjectNode) conf;
    }
    ObjectNode list = JSON.createObjectNode();
    list.put("cniVersion", conf.path("cniVersion").asText("1.0.0"));
    list.put("name", conf.path("name").asText());
    ArrayNode plugins = list.putArray("plugins");
    plugins.add(conf);
    return list;
  }

  private JsonNode exec(String type, String command, PodRef pod, Path netns, ObjectNode config) {
    Path binary = findPlugin(type);
    if (binary == null) {
      throw new FailedPreconditionException("CNI plugin \"" + type + "\" not found in " + binDirs
          + " (apt-get install containernetworking-plugins, or set [cni] bin_dirs)");
    }
    Spawn spawn = Spawn.of(binary.toString()).env("CNI_COMMAND", command).env("CNI_CONTAINERID", pod.podId())
        .env("CNI_NETNS", netns == null ? "" : netns.toString()).env("CNI_IFNAME", IFNAME)
        .env("CNI_PATH", String.join(":", binDirs.stream().map(Path::toString).toList()))
        .env("CNI_ARGS", pod.cniArgs()).stdinPipe().stdoutPipe().stderrPipe();
    long t0 = System.nanoTime();
    try {
      HelperProcess p = spawn.start();
      try (OutputStream in = p.stdin()) {
        in.write(JSON.writeValueAsBytes(config));
      }
      byte[] out;
      byte[] err;
      try (InputStream o = p.stdout(); InputStream e = p.stderr()) {
        out = o.readAllBytes();
        err = e.readAllBytes();
      }
      if (!p.waitFor(PLUGIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.kill();
        throw new DeadlineExceededException("CNI plugin " + type + " " + command + " did not finish in "
            + PLUGIN_TIMEOUT_SECONDS + " s");
      }
      LOG.debug("cni plugin", "type", type, "command", command, "pod", pod.podId(),
          "ms", (System.nanoTime() - t0) / 1_000_000);
      if (p.exitValue() != 0) {
        String msg = new String(out, StandardCharsets.UTF_8).strip();
        try {
          JsonNode e = JSON.readTree(out);
          msg = e.path("msg").asText(msg) + (e.path("details").asText("").isEmpty() ? "" : ": " + e.path("details").asText());
        } catch (IOException ignored) {
          // not JSON
        }
        String stderr = new String(err, StandardCharsets.UTF_8).strip();
        throw new HelperFailedException("CNI plugin " + type + " " + command + " failed: " + msg
            + (stderr.isEmpty() ? "" : " (" + stderr + ")"));
      }
      return out.length == 0 || !command.equals("ADD") ? null : JSON.readTree(out);
    } catch (IOException e) {
      throw new HelperFailedException("running CNI plugin " + binary + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while running CNI plugin " + type, e);
    }
  }

  private Path findPlugin(String type) {
    if (type.isEmpty() || type.contains("/")) {
      return null;
    }
    return binDirs.stream().map(d -> d.resolve(type)).filter(Files::isExecutable).findFirst().orElse(null);
  }

  private Path cacheFile(String podId) {
    return cacheDir.resolve(podId + ".json");
  }

  private void writeCache(String podId, ObjectNode cache) {
    try {
      AtomicFiles.write(cacheFile(podId), JSON.writeValueAsBytes(cache));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode read(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new FailedPreconditionException("reading CNI config " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes jcri's default network (bridge {@code bridge}, host-local IPAM over {@code subnet}, portmap) when the
   * directory holds no usable config, or rewrites it when it is jcri's own and the subnet or bridge changed. The
   * network is named {@code jcri} on the default bridge (host-local keeps its addresses under that name), else
   * after its bridge, so two jcri on one node keep apart.
   *
   * @return whether a file was written
   */
  public static boolean installDefault(Path confDir, String subnet, String bridge) {
    Path file = confDir.resolve(DEFAULT_FILE);
    boolean ours = Files.exists(file);
    if (!ours && new CniConfigDir(confDir).lookup().ready()) {
      return false;
    }
    String conf = """
        {
          "cniVersion": "1.0.0",
          "name": "%s",
          "plugins": [
            {
              "type": "bridge",
              "bridge": "%s",
              "isGateway": true,
              "ipMasq": true,
              "hairpinMode": true,
              "ipam": {
                "type": "host-local",
                "routes": [{"dst": "0.0.0.0/0"}],
                "ranges": [[{"subnet": "%s"}]]
              }
            },
            {"type": "portmap", "capabilities": {"portMappings": true}}
          ]
        }
        """.formatted(networkName(bridge), bridge, subnet);
    try {
      if (ours && Files.readString(file).equals(conf)) {
        return false;
      }
      Files.createDirectories(confDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    AtomicFiles.write(file, conf.getBytes(StandardCharsets.UTF_8));
    return true;
  }

  /** The default network's name on {@code bridge}: host-local keeps its addresses under it. */
  public static String networkName(String bridge) {
    return bridge.equals(DEFAULT_BRIDGE) ? "jcri" : bridge;
  }
}
