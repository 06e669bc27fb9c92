package dev.jcri.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Prints a configuration as TOML with a comment on every key, as {@code jcri config} shows it. */
public final class ConfigRenderer {

  /** Tables whose keys are names chosen by the user, each rendered as a table of its own. */
  private static final Set<String> NAMED_TABLES = Set.of("runtimes", "registry.mirrors");

  private static final Map<String, String> DOC = Map.ofEntries(
      Map.entry("socket", "The CRI gRPC socket that kubelet and crictl connect to (mode 0660, root)."),
      Map.entry("root", "Persistent state: images, layers, pod and container records."),
      Map.entry("state", "State that a reboot clears: namespace pins, exit files, runtime state."),
      Map.entry("log_level", "debug, info, warn or error."),
      Map.entry("log_format", "text, or json for one JSON object a line."),
      Map.entry("cgroup_driver", "auto, systemd or cgroupfs; kubelet's cgroupDriver must match (kubelet 1.28+ asks"
          + " jcri). systemd: pod cgroups are slices, containers' scopes, made through systemd's D-Bus API; needs"
          + " systemd as init and the system bus. auto: systemd where systemd is init, else cgroupfs."),
      Map.entry("stats_collection_period_seconds", "How often the figures of running containers and ready pods"
          + " are sampled in the background, so ListContainerStats and ListPodSandboxStats answer from memory"
          + " (each figure stamped with its time; one already handed out a second or more before is measured"
          + " again, so crictl stats gets two figures a second apart); 0 measures on every call (as CRI-O's"
          + " stats_collection_period)."),
      Map.entry("default_runtime", "The runtime handler for pods that name none; one of [runtimes.*]."),
      Map.entry("runtimes", "One table per OCI runtime handler (a RuntimeClass handler name)."),
      Map.entry("runtimes.*.path", "The OCI runtime binary."),
      Map.entry("runtimes.*.root", "The runtime's state directory (its --root); default <state>/<handler>."),
      Map.entry("conmon", "The container monitor: holds stdio, writes the CRI log, records the exit code."),
      Map.entry("cdi_spec_dirs", "CDI device specs (JSON or YAML), lowest priority first: a later directory's"
          + " definition of a device wins."),
      Map.entry("cni", "Pod networking through CNI plugins."),
      Map.entry("cni.conf_dir", "Network configs; the first usable .conflist/.conf/.json by name is used."),
      Map.entry("cni.bin_dirs", "Where plugin binaries are looked for, in order."),
      Map.entry("cni.default_bridge", "The default network's bridge (its network is named jcri on jcri0, else after"
          + " the bridge); a second jcri on one node needs its own."),
      Map.entry("cni.default_network", "When conf_dir has no network config, install jcri's (bridge jcri0,"
          + " host-local on the pod CIDR or 10.88.0.0/16, portmap) and set net.ipv4.ip_forward=1."),
      Map.entry("stream", "The streaming server for exec, attach and port-forward."),
      Map.entry("stream.address", "Address it listens on; keep it on loopback unless the node needs otherwise."),
      Map.entry("stream.port", "Port it listens on; 0 picks a free one."),
      Map.entry("stream.tls", "Serve HTTPS (the URLs handed out say https)."),
      Map.entry("stream.tls_cert", "PEM certificate chain; with tls_key empty too, a self-signed one is made at start."),
      Map.entry("stream.tls_key", "PEM private key (PKCS#8) of tls_cert."),
      Map.entry("stream.idle_timeout_seconds", "A streaming session with no traffic either way for this long is closed."),
      Map.entry("registry", "Image registries."),
      Map.entry("registry.insecure", "Registries (host or host:port) reached over plain HTTP. Loopback ones always may."),
      Map.entry("registry.mirrors", "Per registry host, endpoints tried in order before the host itself."),
      Map.entry("registry.mirrors.*.endpoints", "Mirror URLs, http:// or https://."),
      Map.entry("registry.max_concurrent_downloads", "Layer downloads running at once for one pull."),
      Map.entry("registry.max_layer_bytes", "The most one layer may unpack to; more is refused as a decompression bomb."),
      Map.entry("registry.max_image_bytes", "The most the layers of one image may unpack to together."),
      Map.entry("registry.pinned_images", "Images never collected and reported pinned (e.g. the pause image)."),
      Map.entry("registry.auth_file", "Registry credentials in Docker's config.json form (kubelet's config.json, CRI-O's"
          + " global_auth_file), used by pulls that bring none; empty is none."),
      Map.entry("registry.config_path", "Hosts directories as containerd's config_path: <dir>/<host>/hosts.toml"
          + " (server, [host.\"<url>\"] mirrors with capabilities, ca, client, skip_verify, override_path, header,"
          + " dial_timeout) or Docker's *.crt, *.cert and *.key files; several directories separated by ':', the"
          + " first naming a host wins; read again when changed. A host with registry.mirrors must have no"
          + " directory. Empty is none."),
      Map.entry("tracing", "OpenTelemetry traces over OTLP; the standard OTEL_* variables switch it on too."),
      Map.entry("tracing.enabled", "Export a span per RPC and per step."),
      Map.entry("tracing.endpoint", "The OTLP/gRPC collector endpoint."),
      Map.entry("metrics", "Prometheus metrics: RPC latency and errors, start steps, pulls, pods, containers, JVM."),
      Map.entry("metrics.address", "host:port to serve /metrics on, e.g. \"127.0.0.1:9090\"; empty is off."));

  private static final Map<String, List<String>> EXAMPLES = Map.of(
      "registry.mirrors", List.of("[registry.mirrors.\"registry.k8s.io\"]",
          "endpoints = [\"http://127.0.0.1:5000\"]"));

  private ConfigRenderer() {}

  public static String render(JcriConfig config) {
    ObjectNode tree = RecordTrees.toTree(config);
    StringBuilder out = new StringBuilder();
    out.append("# jcri configuration. Every key is optional; these are the values in effect.\n");
    out.append("# Main file ").append(JcriConfig.DEFAULT_CONFIG)
        .append(", drop-ins ").append(JcriConfig.DEFAULT_DROP_IN_DIR).append("/*.toml merged in name order.\n");
    renderTable(tree, "", "", out);
    return out.toString();
  }

  /**
   * The reference of every key as a Markdown table (key, default, meaning), from the same defaults and the same
   * words {@link #render} prints; docs/configuration.md is this, and a test keeps it current.
   */
  public static String markdown(JcriConfig defaults) {
    StringBuilder out = new StringBuilder();
    out.append("# jcri configuration reference\n\n")
        .append("Generated from the embedded defaults and the words `jcri config` prints (`make docs` writes it; a test\n")
        .append("fails when it is not current). Every key is optional. The main file is `").append(JcriConfig.DEFAULT_CONFIG)
        .append("`; drop-ins in\n`").append(JcriConfig.DEFAULT_DROP_IN_DIR).append("/*.toml` are merged over it in name order;")
        .append(" `jcri config` prints the effective result.\n\n")
        .append("| key | default | meaning |\n| --- | --- | --- |\n");
    markdownTable(RecordTrees.toTree(defaults), "", out);
    return out.toString();
  }

  private static void markdownTable(ObjectNode node, String docPath, StringBuilder out) {
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!e.getValue().isObject()) {
        row(join(docPath, e.getKey()), "`" + value(e.getValue()).replace("|", "\\|") + "`", out);
      }
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!e.getValue().isObject()) {
        continue;
      }
      String child = join(docPath, e.getKey());
      if (NAMED_TABLES.contains(child)) {
        List<String> names = new ArrayList<>();
        e.getValue().fieldNames().forEachRemaining(names::add);
        row(child, names.isEmpty() ? "none" : String.join(", ", names.stream().map(n -> "`" + n + "`").toList()),
            out);
        List<String> fields = new ArrayList<>();
        DOC.keySet().stream().filter(k -> k.startsWith(child + ".*.")).sorted().forEach(fields::add);
        for (String field : fields) {
          StringBuilder defaults = new StringBuilder();
          String name = field.substring(child.length() + 3);
          e.getValue().properties().forEach(entry -> {
            if (entry.getValue().has(name)) {
              defaults.append(defaults.isEmpty() ? "" : ", ").append(entry.getKey()).append(": `")
                  .append(value(entry.getValue().get(name))).append('`');
            }
          });
          row(child + ".<name>." + name, defaults.isEmpty() ? "" : defaults.toString(), field, out);
        }
      } else {
        markdownTable((ObjectNode) e.getValue(), child, out);
      }
    }
  }

  private static void row(String key, String defaultValue, StringBuilder out) {
    row(key, defaultValue, key, out);
  }

  private static void row(String key, String defaultValue, String docPath, StringBuilder out) {
    out.append("| `").append(key).append("` | ").append(defaultValue).append(" | ")
        .append(DOC.getOrDefault(docPath, "").replace("|", "\\|")).append(" |\n");
  }

  private static void renderTable(ObjectNode node, String docPath, String header, StringBuilder out) {
    if (!header.isEmpty()) {
      out.append('\n');
      comment(docPath, out);
      out.append('[').append(header).append("]\n");
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!e.getValue().isObject()) {
        comment(join(docPath, e.getKey()), out);
        out.append(key(e.getKey())).append(" = ").append(value(e.getValue())).append('\n');
      }
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!e.getValue().isObject()) {
        continue;
      }
      String childDoc = join(docPath, e.getKey());
      String childHeader = header.isEmpty() ? key(e.getKey()) : header + "." + key(e.getKey());
      if (NAMED_TABLES.contains(childDoc)) {
        renderNamed((ObjectNode) e.getValue(), childDoc, childHeader, out);
      } else {
        renderTable((ObjectNode) e.getValue(), childDoc, childHeader, out);
      }
    }
  }

  private static void renderNamed(ObjectNode node, String docPath, String header, StringBuilder out) {
    out.append('\n');
    comment(docPath, out);
    if (node.isEmpty()) {
      for (String line : EXAMPLES.getOrDefault(docPath, List.of())) {
        out.append("# ").append(line).append('\n');
      }
      return;
    }
    boolean first = true;
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String entryHeader = header + "." + key(e.getKey());
      if (!first) {
        out.append('\n');
      }
      first = false;
      out.append('[').append(entryHeader).append("]\n");
      for (Map.Entry<String, JsonNode> field : e.getValue().properties()) {
        comment(docPath + ".*." + field.getKey(), out);
        out.append(key(field.getKey())).append(" = ").append(value(field.getValue())).append('\n');
      }
    }
  }

  private static void comment(String docPath, StringBuilder out) {
    String doc = DOC.get(docPath);
    if (doc != null) {
      out.append("# ").append(doc).append('\n');
    }
  }

  private static String join(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  private static String key(String key) {
    return key.matches("[A-Za-z0-9_-]+") ? key : string(key);
  }

  private static String value(JsonNode v) {
    if (v.isTextual()) {
      return string(v.asText());
    }
    if (v.isArray()) {
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < v.size(); i++) {
        sb.append(i == 0 ? "" : ", ").append(value(v.get(i)));
      }
      return sb.append(']').toString();
    }
    return v.toString();
  }

  private static String string(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        case '\r' -> sb.append("\\r");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
