package dev.jcri.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Builds the effective configuration: embedded defaults, then the main file, then every {@code *.toml}
 * drop-in in name order, each merged key by key over what came before (tables merge, other values replace).
 * Each file is checked on its own first, so an error names the file that has it.
 */
public final class ConfigLoader {

  /** Parses TOML to a tree only; {@link RecordTrees} binds the tree. */
  private static final TomlFactory TOML_FACTORY = new TomlFactory();

  private ConfigLoader() {}

  /**
   * @param mainFile the main file; when absent, defaults apply unless {@code mainRequired}
   * @param mainRequired true when the user named the file (--config), so a missing one is an error
   * @param dropInDir directory of drop-ins, read when it exists
   */
  public static JcriConfig load(Path mainFile, boolean mainRequired, Path dropInDir) {
    List<Path> files = new ArrayList<>();
    if (Files.exists(mainFile)) {
      files.add(mainFile);
    } else if (mainRequired) {
      throw new ConfigException("config file " + mainFile + " does not exist");
    }
    if (Files.isDirectory(dropInDir)) {
      try (Stream<Path> dropIns = Files.list(dropInDir)) {
        dropIns.filter(p -> p.getFileName().toString().endsWith(".toml") && Files.isRegularFile(p))
            .sorted().forEach(files::add);
      } catch (IOException e) {
        throw new ConfigException("cannot list drop-ins in " + dropInDir + ": " + e.getMessage(), e);
      }
    }
    if (files.isEmpty()) {
      // No file: the embedded defaults, without starting up the TOML machinery at all.
      JcriConfig defaults = JcriConfig.defaults();
      validate(defaults, "the embedded defaults");
      return defaults;
    }
    ObjectNode merged = defaultsTree();
    for (Path file : files) {
      String text;
      try {
        text = Files.readString(file);
      } catch (IOException e) {
        throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
      }
      ObjectNode tree = parse(text, file.toString());
      bind(merge(defaultsTree(), tree), file.toString());
      merge(merged, tree);
    }
    String origin = files.stream().map(Path::toString).collect(Collectors.joining(", "));
    JcriConfig config = bind(withRuntimeRoots(merged), origin);
    validate(config, origin);
    return config;
  }

  /** Reads one TOML text over the defaults; {@code origin} names it in errors. */
  public static JcriConfig fromToml(String toml, String origin) {
    JcriConfig config = bind(withRuntimeRoots(merge(defaultsTree(), parse(toml, origin))), origin);
    validate(config, origin);
    return config;
  }

  /** The defaults as a tree, the runtimes' roots left out: {@link #withRuntimeRoots} puts them under the state. */
  private static ObjectNode defaultsTree() {
    ObjectNode tree = RecordTrees.toTree(JcriConfig.defaults());
    if (tree.get("runtimes") instanceof ObjectNode runtimes) {
      runtimes.properties().forEach(e -> ((ObjectNode) e.getValue()).remove("root"));
    }
    return tree;
  }

  /**
   * A runtime handler without a {@code root} keeps its containers' state in {@code <state>/<handler>}
   * ({@code /run/jcri/crun} by default): a second jcri on its own state directory (a test's, a bench's) never
   * shares the node's runtime state with the one the node runs.
   */
  private static ObjectNode withRuntimeRoots(ObjectNode merged) {
    String state = merged.path("state").asText("");
    if (merged.get("runtimes") instanceof ObjectNode runtimes && !state.isEmpty()) {
      runtimes.properties().forEach(e -> {
        if (e.getValue() instanceof ObjectNode handler && handler.path("root").asText("").isEmpty()) {
          handler.put("root", state.replaceAll("/+$", "") + "/" + e.getKey());
        }
      });
    }
    return merged;
  }

  private static ObjectNode parse(String toml, String origin) {
    try (JsonParser p = TOML_FACTORY.createParser(toml)) {
      JsonNode node = p.nextToken() == null ? null : readNode(p);
      return node instanceof ObjectNode o ? o : JsonNodeFactory.instance.objectNode();
    } catch (StreamReadException e) {
      var loc = e.getLocation();
      String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
      throw new ConfigException("config " + origin + ": not valid TOML" + where + ": " + e.getOriginalMessage(), e);
    } catch (JsonProcessingException e) {
      throw new ConfigException("config " + origin + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ConfigException("config " + origin + ": " + e.getMessage(), e);
    }
  }

  /**
   * The value at the parser's current token as a tree, built by hand: an ObjectMapper's start-up (~200 ms of
   * class loading and set-up on a cold JVM) is not needed to read a few dozen keys.
   */
  private static JsonNode readNode(JsonParser p) throws IOException {
    JsonNodeFactory f = JsonNodeFactory.instance;
    return switch (p.currentToken()) {
      case START_OBJECT -> {
        ObjectNode o = f.objectNode();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          p.nextToken();
          o.set(name, readNode(p));
        }
        yield o;
      }
      case START_ARRAY -> {
        var a = f.arrayNode();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          a.add(readNode(p));
        }
        yield a;
      }
      case VALUE_STRING -> f.textNode(p.getText());
      case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
        case INT -> f.numberNode(p.getIntValue());
        case LONG -> f.numberNode(p.getLongValue());
        default -> f.numberNode(p.getBigIntegerValue());
      };
      case VALUE_NUMBER_FLOAT -> f.numberNode(p.getDoubleValue());
      case VALUE_TRUE -> f.booleanNode(true);
      case VALUE_FALSE -> f.booleanNode(false);
      case VALUE_NULL -> f.nullNode();
      default -> f.textNode(p.getText());
    };
  }

  /** Merges {@code overlay} into {@code base}: tables key by key, any other value replaces. */
  static ObjectNode merge(ObjectNode base, ObjectNode overlay) {
    for (Map.Entry<String, JsonNode> e : overlay.properties()) {
      JsonNode existing = base.get(e.getKey());
      if (existing instanceof ObjectNode eo && e.getValue() instanceof ObjectNode vo) {
        merge(eo, vo);
      } else {
        base.set(e.getKey(), e.getValue().deepCopy());
      }
    }
    return base;
  }

  private static JcriConfig bind(ObjectNode tree, String origin) {
    try {
      return RecordTrees.bind(tree, JcriConfig.class);
    } catch (RecordTrees.BindException e) {
      throw new ConfigException("config " + origin + ": " + e.getMessage(), e);
    }
  }

  private static void validate(JcriConfig c, String origin) {
    List<String> problems = new ArrayList<>();
    absolute(problems, "socket", c.socket());
    absolute(problems, "root", c.root());
    absolute(problems, "state", c.state());
    absolute(problems, "conmon", c.conmon());
    if (c.statsCollectionPeriodSeconds() < 0 || c.statsCollectionPeriodSeconds() > 300) {
      problems.add("key 'stats_collection_period_seconds': expected 0 to 300, got "
          + c.statsCollectionPeriodSeconds());
    }
    if (!c.registry().configPath().isEmpty()) {
      for (String dir : c.registry().configPath().split(":")) {
        absolute(problems, "registry.config_path", dir);
      }
    }
    if (!c.registry().authFile().isEmpty()) {
      absolute(problems, "registry.auth_file", c.registry().authFile());
    }
    for (int i = 0; i < c.cdiSpecDirs().size(); i++) {
      absolute(problems, "cdi_spec_dirs[" + i + "]", c.cdiSpecDirs().get(i));
    }
    absolute(problems, "cni.conf_dir", c.cni().confDir());
    if (c.cni().binDirs().isEmpty()) {
      problems.add("key 'cni.bin_dirs': needs at least one directory");
    }
    for (int i = 0; i < c.cni().binDirs().size(); i++) {
      absolute(problems, "cni.bin_dirs[" + i + "]", c.cni().binDirs().get(i));
    }
    c.runtimes().forEach((name, handler) -> {
      if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
        problems.add("table [runtimes." + name + "]: a runtime handler name is letters, digits, '.', '_' and '-'");
      }
      absolute(problems, "runtimes." + name + ".path", handler.path());
      absolute(problems, "runtimes." + name + ".root", handler.root());
    });
    if (!c.runtimes().containsKey(c.defaultRuntime())) {
      problems.add("key 'default_runtime': \"" + c.defaultRuntime() + "\" names no [runtimes."
          + c.defaultRuntime() + "] table (defined: " + String.join(", ", c.runtimes().keySet()) + ")");
    }
    if (c.stream().port() < 0 || c.stream().port() > 65535) {
      problems.add("key 'stream.port': expected 0 (any free port) to 65535, got " + c.stream().port());
    }
    if (c.stream().tlsCert().isEmpty() != c.stream().tlsKey().isEmpty()) {
      problems.add("keys 'stream.tls_cert' and 'stream.tls_key': give both, or neither for a self-signed"
          + " certificate");
    }
    if (c.stream().address().isBlank()) {
      problems.add("key 'stream.address': expected an IP address such as 127.0.0.1");
    }
    c.registry().mirrors().forEach((host, mirror) -> {
      for (String endpoint : mirror.endpoints()) {
        if (!endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
          problems.add("key 'registry.mirrors.\"" + host + "\".endpoints': \"" + endpoint
              + "\" must start with http:// or https://");
        }
      }
    });
    if (c.registry().maxConcurrentDownloads() < 1 || c.registry().maxConcurrentDownloads() > 64) {
      problems.add("key 'registry.max_concurrent_downloads': expected 1 to 64, got "
          + c.registry().maxConcurrentDownloads());
    }
    if (c.registry().maxLayerBytes() < 1) {
      problems.add("key 'registry.max_layer_bytes': expected a positive number of bytes");
    }
    if (!c.cni().defaultBridge().matches("[A-Za-z0-9_.-]{1,15}")) {
      problems.add("key 'cni.default_bridge': expected a network interface name of 1 to 15 letters, digits, '_',"
          + " '.' or '-', got \"" + c.cni().defaultBridge() + "\"");
    }
    if (c.stream().idleTimeoutSeconds() < 1) {
      problems.add("key 'stream.idle_timeout_seconds': expected a positive number of seconds");
    }
    if (c.registry().maxImageBytes() < 1) {
      problems.add("key 'registry.max_image_bytes': expected a positive number of bytes");
    }
    String metrics = c.metrics().address();
    if (!metrics.isEmpty() && !metrics.matches(".+:[0-9]{1,5}")) {
      problems.add("key 'metrics.address': expected host:port such as 127.0.0.1:9090, got \"" + metrics + "\"");
    }
    if (!problems.isEmpty()) {
      throw new ConfigException("config " + origin + ": " + String.join("; ", problems));
    }
  }

  private static void absolute(List<String> problems, String key, String value) {
    if (value == null || !value.startsWith("/")) {
      problems.add("key '" + key + "': expected an absolute path, got \"" + value + "\"");
    }
  }
}
