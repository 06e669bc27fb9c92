package dev.jcri.sandbox.cdi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Json;
import dev.jcri.common.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CDI (Container Device Interface, KEP-4009) device specs as the node's device plugins and admins write them,
 * JSON or YAML, in the spec directories ({@code /etc/cdi}, then {@code /var/run/cdi}, which wins where both
 * define a device). They are read when a container asks for a device, so a spec a plugin has just written counts.
 * A device is named {@code vendor.com/class=name}; one no spec defines is refused, never left out.
 */
public final class CdiRegistry {

  private static final Log LOG = Log.of(CdiRegistry.class);
  /** The directories of the CDI specification, lowest priority first. */
  public static final List<Path> DEFAULT_DIRS = List.of(Path.of("/etc/cdi"), Path.of("/var/run/cdi"));
  /** The most one spec file may take: they are read whole. */
  static final long MAX_SPEC_BYTES = 1024 * 1024;
  /** The most spec files read from one directory. */
  static final int MAX_SPECS = 256;
  private static final String KIND = "[A-Za-z0-9][A-Za-z0-9.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*";
  private static final String NAME = "[A-Za-z0-9][A-Za-z0-9_.:-]*";

  /** Loaded at the first YAML spec read, not at start-up. */
  private static final class Yaml {
    static final ObjectMapper MAPPER = new YAMLMapper(new YAMLFactory());
  }

  private final List<Path> dirs;

  public CdiRegistry(List<Path> dirs) {
    this.dirs = List.copyOf(dirs);
  }

  /** The edits of {@code devices} (qualified names), in order; none asked for gives none. */
  public CdiEdits resolve(List<String> devices) {
    if (devices.isEmpty()) {
      return CdiEdits.NONE;
    }
    for (String d : devices) {
      if (!d.matches(KIND + "=" + NAME)) {
        throw new InvalidArgumentException("CDI device \"" + d.replaceAll("\\p{Cntrl}", "?")
            + "\" is not a qualified name (vendor.com/class=name)");
      }
    }
    Map<String, Spec> byKind = load();
    CdiEdits edits = CdiEdits.NONE;
    List<Spec> specEditsDone = new ArrayList<>();
    for (String d : devices) {
      String kind = d.substring(0, d.indexOf('='));
      String name = d.substring(d.indexOf('=') + 1);
      Spec spec = byKind.get(kind);
      CdiEdits device = spec == null ? null : spec.devices().get(name);
      if (device == null) {
        throw new FailedPreconditionException("CDI device \"" + d + "\" is not defined on this node (no spec in "
            + String.join(", ", dirs.stream().map(Path::toString).toList()) + " names it)");
      }
      // A spec's own edits apply once, however many of its devices are asked for.
      if (!specEditsDone.contains(spec)) {
        edits = edits.plus(spec.edits());
        specEditsDone.add(spec);
      }
      edits = edits.plus(device);
    }
    return edits;
  }

  /** One spec file: its kind's devices and the edits every device of it brings. */
  private record Spec(Path file, String kind, CdiEdits edits, Map<String, CdiEdits> devices) {}

  private Map<String, Spec> load() {
    Map<String, Spec> byKind = new LinkedHashMap<>();
    for (Path dir : dirs) {
      Map<String, Spec> here = new LinkedHashMap<>();
      for (Path file : specFiles(dir)) {
        Spec spec;
        try {
          spec = parse(file);
        } catch (IOException | RuntimeException e) {
          // One broken spec (a plugin writing it now) must not take every device of the node with it.
          LOG.warn("skipping a CDI spec that cannot be read", "file", file, "error", e.getMessage());
          continue;
        }
        Spec clash = here.get(spec.kind());
        if (clash != null) {
          Map<String, CdiEdits> merged = new LinkedHashMap<>(clash.devices());
          for (String name : spec.devices().keySet()) {
            if (merged.containsKey(name)) {
              throw new FailedPreconditionException("CDI device " + spec.kind() + "=" + name + " is defined twice, in "
                  + clash.file() + " and " + file);
            }
          }
          merged.putAll(spec.devices());
          spec = new Spec(clash.file(), spec.kind(), clash.edits().plus(spec.edits()), merged);
        }
        here.put(spec.kind(), spec);
      }
      byKind.putAll(here);
    }
    return byKind;
  }

  private static List<Path> specFiles(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().matches(".+\\.(json|yaml|yml)"))
          .filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).sorted().limit(MAX_SPECS).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static Spec parse(Path file) throws IOException {
    if (Files.size(file) > MAX_SPEC_BYTES) {
      throw new IOException("larger than " + MAX_SPEC_BYTES + " bytes");
    }
    byte[] bytes = Files.readAllBytes(file);
    JsonNode root = file.getFileName().toString().endsWith(".json") ? Json.PLAIN.readTree(bytes)
        : Yaml.MAPPER.readTree(bytes);
    if (root == null || !root.isObject()) {
      throw new IOException("not a CDI spec (no object at the top)");
    }
    String kind = root.path("kind").asText("");
    if (!kind.matches(KIND)) {
      throw new IOException("kind \"" + kind + "\" is not vendor.com/class");
    }
    Map<String, CdiEdits> devices = new LinkedHashMap<>();
    for (JsonNode d : root.path("devices")) {
      String name = d.path("name").asText("");
      if (!name.matches(NAME)) {
        throw new IOException("device name \"" + name + "\" is not valid");
      }
      devices.put(name, edits(d.path("containerEdits")));
    }
    return new Spec(file, kind, edits(root.path("containerEdits")), devices);
  }

  private static CdiEdits edits(JsonNode e) throws IOException {
    if (e.isMissingNode() || e.isNull()) {
      return CdiEdits.NONE;
    }
    List<String> env = new ArrayList<>();
    for (JsonNode v : e.path("env")) {
      if (!v.asText().contains("=")) {
        throw new IOException("env \"" + v.asText() + "\" is not NAME=value");
      }
      env.add(v.asText());
    }
    List<CdiEdits.DeviceNode> nodes = new ArrayList<>();
    for (JsonNode n : e.path("deviceNodes")) {
      String path = n.path("path").asText("");
      if (!path.startsWith("/")) {
        throw new IOException("device node path \"" + path + "\" is not absolute");
      }
      nodes.add(new CdiEdits.DeviceNode(path, n.path("hostPath").asText(path), n.path("permissions").asText("")));
    }
    List<CdiEdits.Mount> mounts = new ArrayList<>();
    for (JsonNode m : e.path("mounts")) {
      String host = m.path("hostPath").asText("");
      String target = m.path("containerPath").asText("");
      if (!host.startsWith("/") || !target.startsWith("/")) {
        throw new IOException("mount " + host + " -> " + target + " needs absolute paths");
      }
      List<String> options = new ArrayList<>();
      m.path("options").forEach(o -> options.add(o.asText()));
      mounts.add(new CdiEdits.Mount(host, target, options));
    }
    List<CdiEdits.Hook> hooks = new ArrayList<>();
    for (JsonNode h : e.path("hooks")) {
      String hookName = h.path("hookName").asText("");
      if (!List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")
          .contains(hookName)) {
        throw new IOException("hook \"" + hookName + "\" is not an OCI hook");
      }
      String path = h.path("path").asText("");
      if (!path.startsWith("/")) {
        throw new IOException("hook path \"" + path + "\" is not absolute");
      }
      List<String> args = new ArrayList<>();
      h.path("args").forEach(a -> args.add(a.asText()));
      List<String> hookEnv = new ArrayList<>();
      h.path("env").forEach(a -> hookEnv.add(a.asText()));
      hooks.add(new CdiEdits.Hook(hookName, path, args, hookEnv,
          h.hasNonNull("timeout") ? h.path("timeout").asInt() : null));
    }
    return new CdiEdits(env, nodes, mounts, hooks);
  }
}
