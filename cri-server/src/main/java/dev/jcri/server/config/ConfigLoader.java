package dev.jcri.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Builds the effective configuration: embedded defaults, then the main file, then every {@code *.toml}
 * drop-in in name order, each merged key by key over what came before (tables merge, other values replace).
 * Each file is checked on its own first, so an error names the file that has it.
 */
public final class ConfigLoader {

  static final TomlMapper TOML = TomlMapper.builder()
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .withCoercionConfigDefaults(c -> {
        c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        c.setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        c.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        c.setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        c.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
      })
      .build();

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
    JcriConfig config = bind(merged, origin);
    validate(config, origin);
    return config;
  }

  /** Reads one TOML text over the defaults; {@code origin} names it in errors. */
  public static JcriConfig fromToml(String toml, String origin) {
    JcriConfig config = bind(merge(defaultsTree(), parse(toml, origin)), origin);
    validate(config, origin);
    return config;
  }

  private static ObjectNode defaultsTree() {
    return TOML.valueToTree(JcriConfig.defaults());
  }

  private static ObjectNode parse(String toml, String origin) {
    try {
      JsonNode node = TOML.readTree(toml);
      return node instanceof ObjectNode o ? o : TOML.createObjectNode();
    } catch (StreamReadException e) {
      var loc = e.getLocation();
      String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
      throw new ConfigException("config " + origin + ": not valid TOML" + where + ": " + e.getOriginalMessage(), e);
    } catch (JsonProcessingException e) {
      throw new ConfigException("config " + origin + ": " + e.getOriginalMessage(), e);
    }
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
      return TOML.treeToValue(tree, JcriConfig.class);
    } catch (UnrecognizedPropertyException e) {
      String key = keyOf(e);
      throw new ConfigException("config " + origin + ": unknown key '" + key + "'" + knownKeys(e.getKnownPropertyIds()), e);
    } catch (InvalidFormatException e) {
      throw new ConfigException("config " + origin + ": key '" + keyOf(e) + "': expected "
          + expected(e.getTargetType()) + ", got " + quoted(e.getValue()), e);
    } catch (MismatchedInputException e) {
      throw new ConfigException("config " + origin + ": key '" + keyOf(e) + "': expected "
          + expected(e.getTargetType()) + valueAt(tree, e), e);
    } catch (JsonProcessingException e) {
      throw new ConfigException("config " + origin + ": " + e.getOriginalMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("config " + origin + ": " + e.getMessage(), e);
    }
  }

  private static String valueAt(ObjectNode tree, JsonMappingException e) {
    JsonNode node = tree;
    for (JsonMappingException.Reference ref : e.getPath()) {
      node = ref.getFieldName() != null ? node.path(ref.getFieldName()) : node.path(ref.getIndex());
    }
    return node.isMissingNode() ? "" : ", got " + (node.isTextual() ? "\"" + node.asText() + "\"" : node.toString());
  }

  private static String keyOf(JsonMappingException e) {
    StringBuilder key = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (!key.isEmpty()) {
          key.append('.');
        }
        key.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        key.append('[').append(ref.getIndex()).append(']');
      }
    }
    return key.toString();
  }

  private static String knownKeys(Collection<Object> known) {
    if (known == null || known.isEmpty()) {
      return "";
    }
    return " (known keys here: " + known.stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")";
  }

  private static String quoted(Object value) {
    return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
  }

  private static String expected(Class<?> type) {
    if (type == null) {
      return "a different value";
    }
    if (type.isEnum()) {
      return "one of " + Arrays.stream(type.getEnumConstants())
          .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT))
          .collect(Collectors.joining(", "));
    }
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
      return "a whole number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (List.class.isAssignableFrom(type)) {
      return "an array";
    }
    return "a table";
  }

  private static void validate(JcriConfig c, String origin) {
    List<String> problems = new ArrayList<>();
    absolute(problems, "socket", c.socket());
    absolute(problems, "root", c.root());
    absolute(problems, "state", c.state());
    absolute(problems, "conmon", c.conmon());
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
