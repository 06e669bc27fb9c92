package dev.jcri.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.jcri.common.FailedPreconditionException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Registry hosts configured as containerd configures them: {@code <root>/<host>/hosts.toml} (its
 * {@code server}, {@code [host."<url>"]} mirrors in file order with {@code capabilities}, {@code ca},
 * {@code client}, {@code skip_verify}, {@code override_path}, {@code header}, {@code dial_timeout}), or Docker's
 * certificate files in that directory ({@code *.crt} CAs, {@code *.cert} + {@code *.key} client pairs). A host
 * with a port is looked up as {@code host_port_} then {@code host:port}, then {@code _default}, in each root in
 * turn. Files are read again when they change; no restart is needed.
 */
public final class HostsDirectory {

  private static final TomlMapper TOML = new TomlMapper();
  private static final long MAX_FILE = 1 << 20;
  private static final Set<String> KEYS = Set.of("capabilities", "ca", "client", "skip_verify", "header",
      "override_path", "dial_timeout");
  private static final Pattern DURATION_PART = Pattern.compile("([0-9]+(?:\\.[0-9]*)?)(ns|us|µs|ms|s|m|h)");

  private final List<Path> roots;
  private final Map<String, Loaded> cache = new ConcurrentHashMap<>();

  private record Stamp(Path file, long modified, long size) {}

  private record Loaded(Path dir, List<Stamp> stamps, List<RegistryEndpoint> endpoints) {}

  public HostsDirectory(List<Path> roots) {
    this.roots = List.copyOf(roots);
  }

  public static HostsDirectory none() {
    return new HostsDirectory(List.of());
  }

  public List<Path> roots() {
    return roots;
  }

  /**
   * The endpoints configured for {@code domain}, in the order they are tried, or null when no root has a
   * directory for it. {@code defaultServer} is the host's own API root, used when hosts.toml names no server.
   */
  List<RegistryEndpoint> endpoints(String domain, URI defaultServer) {
    Path dir = directory(domain);
    if (dir == null) {
      return null;
    }
    String key = domain + "|" + defaultServer;
    Loaded cached = cache.get(key);
    if (cached != null && cached.dir().equals(dir) && cached.stamps().equals(stamps(dir, cached.stamps()))) {
      return cached.endpoints();
    }
    Loaded loaded = load(dir, defaultServer);
    if (cache.size() > 256) {
      cache.clear();
    }
    cache.put(key, loaded);
    return loaded.endpoints();
  }

  /** The directory that configures {@code domain}, or null. */
  Path directory(String domain) {
    for (Path root : roots) {
      for (String name : names(domain)) {
        Path p = root.resolve(name);
        if (Files.isDirectory(p)) {
          return p;
        }
      }
    }
    return null;
  }

  static List<String> names(String domain) {
    List<String> out = new ArrayList<>();
    int colon = domain.lastIndexOf(':');
    if (colon > 0 && !domain.endsWith("]")) {
      out.add(domain.substring(0, colon) + "_" + domain.substring(colon + 1) + "_");
    }
    if (!domain.contains("/") && !domain.equals("..") && !domain.equals(".")) {
      out.add(domain);
    }
    out.add("_default");
    return out;
  }

  private Loaded load(Path dir, URI defaultServer) {
    Path hostsToml = dir.resolve("hosts.toml");
    try {
      List<RegistryEndpoint> endpoints;
      List<Path> read = new ArrayList<>();
      if (Files.isRegularFile(hostsToml)) {
        read.add(hostsToml);
        endpoints = parse(dir, readSmall(hostsToml), defaultServer, read);
      } else {
        endpoints = certFiles(dir, defaultServer, read);
      }
      return new Loaded(dir, stamps(dir, read.stream().map(f -> new Stamp(f, 0, 0)).toList()), endpoints);
    } catch (IllegalArgumentException | IOException e) {
      throw new FailedPreconditionException("registry configuration " + (Files.isRegularFile(hostsToml)
          ? hostsToml : dir) + ": " + e.getMessage(), e);
    }
  }

  /** Fresh stamps of the directory's files and of {@code old}'s files, to tell whether anything changed. */
  private static List<Stamp> stamps(Path dir, List<Stamp> old) {
    Map<Path, Stamp> out = new TreeMap<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path f : ds) {
        out.put(f, stamp(f));
      }
    } catch (IOException e) {
      // gone: the stamps differ
    }
    for (Stamp s : old) {
      out.computeIfAbsent(s.file(), HostsDirectory::stamp);
    }
    return List.copyOf(out.values());
  }

  private static Stamp stamp(Path f) {
    try {
      BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
      return new Stamp(f, a.lastModifiedTime().toMillis(), a.size());
    } catch (IOException e) {
      return new Stamp(f, -1, -1);
    }
  }

  static List<RegistryEndpoint> parse(Path dir, byte[] toml, URI defaultServer, List<Path> read) {
    JsonNode doc;
    try {
      doc = TOML.readTree(toml);
    } catch (IOException e) {
      throw new IllegalArgumentException("not valid TOML: " + e.getMessage().lines().findFirst().orElse(""));
    }
    List<RegistryEndpoint> out = new ArrayList<>();
    JsonNode hosts = doc.path("host");
    if (!hosts.isMissingNode() && !hosts.isObject()) {
      throw new IllegalArgumentException("'host' must be a table of [host.\"<url>\"] tables");
    }
    Set<Map.Entry<String, JsonNode>> hostTables = hosts.isObject() ? hosts.properties() : Set.of();
    for (Map.Entry<String, JsonNode> e : hostTables) {
      String where = "[host.\"" + e.getKey() + "\"]";
      if (!e.getValue().isObject()) {
        throw new IllegalArgumentException(where + " must be a table");
      }
      checkKeys(e.getValue(), KEYS, where);
      RegistryEndpoint endpoint = endpoint(dir, e.getKey(), e.getValue(), where, null, read);
      if (endpoint != null) {
        out.add(endpoint);
      }
    }
    Set<String> topKeys = new java.util.HashSet<>(KEYS);
    topKeys.add("server");
    topKeys.add("host");
    checkKeys(doc, topKeys, "the top level");
    String server = doc.has("server") ? text(doc.get("server"), "server") : null;
    RegistryEndpoint main = endpoint(dir, server, doc, "server", defaultServer, read);
    if (main != null) {
      out.add(main);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no host here may pull or resolve (capabilities)");
    }
    return List.copyOf(out);
  }

  private static RegistryEndpoint endpoint(Path dir, String url, JsonNode c, String where, URI defaultServer,
      List<Path> read) {
    boolean overridePath = c.has("override_path") && bool(c.get("override_path"), where + " override_path");
    RegistryTls tls = tls(dir, c, where);
    URI root;
    if (url == null) {
      root = defaultServer;
      if (tls != null && root.getScheme().equals("http")) {
        root = URI.create("https://" + root.getRawAuthority() + root.getRawPath());
      }
    } else {
      root = root(url, overridePath, where);
    }
    boolean pull = true;
    boolean resolve = true;
    if (c.has("capabilities")) {
      pull = false;
      resolve = false;
      for (String cap : strings(c.get("capabilities"), where + " capabilities")) {
        switch (cap.toLowerCase(Locale.ROOT)) {
          case "pull" -> pull = true;
          case "resolve" -> resolve = true;
          case "push", "referrers" -> { } // jcri neither pushes nor lists referrers
          default -> throw new IllegalArgumentException(where + " capabilities: unknown capability \"" + cap
              + "\" (pull, resolve, push or referrers)");
        }
      }
    }
    Duration dialTimeout = c.has("dial_timeout") ? duration(text(c.get("dial_timeout"), where + " dial_timeout"),
        where + " dial_timeout") : null;
    Map<String, List<String>> headers = new LinkedHashMap<>();
    if (c.has("header")) {
      if (!c.get("header").isObject()) {
        throw new IllegalArgumentException(where + " header: expected a table of names to strings");
      }
      for (Map.Entry<String, JsonNode> h : c.get("header").properties()) {
        if (!h.getKey().matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+") || h.getKey().equalsIgnoreCase("authorization")
            || h.getKey().equalsIgnoreCase("host")) {
          throw new IllegalArgumentException(where + " header: \"" + h.getKey() + "\" cannot be set here");
        }
        List<String> values = h.getValue().isArray() ? strings(h.getValue(), where + " header " + h.getKey())
            : List.of(text(h.getValue(), where + " header " + h.getKey()));
        for (String v : values) {
          if (v.chars().anyMatch(ch -> ch < 0x20 && ch != '\t' || ch == 0x7f)) {
            throw new IllegalArgumentException(where + " header " + h.getKey() + ": control characters");
          }
        }
        headers.put(h.getKey(), values);
      }
    }
    if (!pull && !resolve) {
      return null;
    }
    if (tls != null) {
      read.addAll(tls.files());
    }
    try {
      return new RegistryEndpoint(root, resolve, pull, tls == null ? null : tls.context(), dialTimeout, headers);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  /** The API root of a host URL, as containerd makes it: /v2 appended unless there or override_path is set. */
  static URI root(String url, boolean overridePath, String where) {
    String u = url.contains("://") ? url : "https://" + url;
    URI parsed;
    try {
      parsed = new URI(u);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(where + ": \"" + url + "\" is not a URL");
    }
    String scheme = parsed.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme) || parsed.getHost() == null) {
      throw new IllegalArgumentException(where + ": \"" + url + "\" is not an http or https URL with a host");
    }
    if (parsed.getRawQuery() != null || parsed.getRawFragment() != null || parsed.getRawUserInfo() != null) {
      throw new IllegalArgumentException(where + ": \"" + url + "\" may not carry a query, fragment or user");
    }
    String path = parsed.getRawPath() == null ? "" : parsed.getRawPath().replaceAll("/+", "/");
    if (!path.isEmpty()) {
      path = URI.create("http://h" + path).normalize().getRawPath();
    }
    if (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (!overridePath && !path.endsWith("/v2")) {
      path = path + "/v2";
    }
    return URI.create(scheme + "://" + parsed.getRawAuthority() + path);
  }

  private static RegistryTls tls(Path dir, JsonNode c, String where) {
    List<Path> cas = new ArrayList<>();
    List<RegistryTls.ClientPair> clients = new ArrayList<>();
    if (c.has("ca")) {
      JsonNode ca = c.get("ca");
      for (String f : ca.isArray() ? strings(ca, where + " ca") : List.of(text(ca, where + " ca"))) {
        cas.add(dir.resolve(f));
      }
    }
    if (c.has("client")) {
      JsonNode client = c.get("client");
      if (client.isTextual()) {
        clients.add(new RegistryTls.ClientPair(dir.resolve(client.asText()), null));
      } else if (client.isArray()) {
        for (JsonNode p : client) {
          if (p.isTextual()) {
            clients.add(new RegistryTls.ClientPair(dir.resolve(p.asText()), null));
          } else if (p.isArray() && p.size() == 2 && p.get(0).isTextual() && p.get(1).isTextual()) {
            clients.add(new RegistryTls.ClientPair(dir.resolve(p.get(0).asText()), dir.resolve(p.get(1).asText())));
          } else {
            throw new IllegalArgumentException(where + " client: each entry is a file or a [cert, key] pair");
          }
        }
      } else {
        throw new IllegalArgumentException(where + " client: a file, files or [cert, key] pairs");
      }
    }
    Boolean skip = c.has("skip_verify") ? bool(c.get("skip_verify"), where + " skip_verify") : null;
    if (cas.isEmpty() && clients.isEmpty() && skip == null) {
      return null;
    }
    return new RegistryTls(cas, clients, skip != null && skip);
  }

  /** Docker's layout: {@code *.crt} CAs, {@code *.cert} client certificates with their {@code *.key}. */
  private static List<RegistryEndpoint> certFiles(Path dir, URI defaultServer, List<Path> read) throws IOException {
    List<Path> cas = new ArrayList<>();
    List<RegistryTls.ClientPair> clients = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      ds.forEach(files::add);
    } catch (NoSuchFileException e) {
      // gone since it was found
    }
    files.sort(null);
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        continue;
      }
      String name = f.getFileName().toString();
      if (name.endsWith(".crt")) {
        cas.add(f);
      } else if (name.endsWith(".cert")) {
        Path key = dir.resolve(name.substring(0, name.length() - 5) + ".key");
        clients.add(new RegistryTls.ClientPair(f, Files.exists(key) ? key : null));
      }
    }
    RegistryTls tls = cas.isEmpty() && clients.isEmpty() ? null : new RegistryTls(cas, clients, false);
    URI root = defaultServer;
    if (tls != null) {
      read.addAll(tls.files());
      if (root.getScheme().equals("http")) {
        root = URI.create("https://" + root.getRawAuthority() + root.getRawPath());
      }
    }
    return List.of(new RegistryEndpoint(root, true, true, tls == null ? null : tls.context(), null, Map.of()));
  }

  private static void checkKeys(JsonNode table, Set<String> known, String where) {
    for (Iterator<String> it = table.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!known.contains(k)) {
        throw new IllegalArgumentException(where + ": unknown key '" + k + "' (jcri knows "
            + String.join(", ", new java.util.TreeSet<>(known)) + ")");
      }
    }
  }

  private static String text(JsonNode n, String what) {
    if (!n.isTextual()) {
      throw new IllegalArgumentException(what + ": expected a string");
    }
    return n.asText();
  }

  private static boolean bool(JsonNode n, String what) {
    if (!n.isBoolean()) {
      throw new IllegalArgumentException(what + ": expected true or false");
    }
    return n.asBoolean();
  }

  private static List<String> strings(JsonNode n, String what) {
    if (!n.isArray()) {
      throw new IllegalArgumentException(what + ": expected an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : n) {
      out.add(text(e, what));
    }
    return out;
  }

  /** A Go duration ("10s", "1m30s", "500ms"), as containerd's dial_timeout takes. */
  static Duration duration(String s, String what) {
    Matcher m = DURATION_PART.matcher(s);
    int at = 0;
    double nanos = 0;
    while (at < s.length() && m.find(at) && m.start() == at) {
      double v = Double.parseDouble(m.group(1));
      nanos += v * switch (m.group(2)) {
        case "ns" -> 1;
        case "us", "µs" -> 1e3;
        case "ms" -> 1e6;
        case "s" -> 1e9;
        case "m" -> 60e9;
        default -> 3600e9;
      };
      at = m.end();
    }
    if (s.isEmpty() || at != s.length() || nanos <= 0 || nanos > 3600e9) {
      throw new IllegalArgumentException(what + ": \"" + s + "\" is not a duration such as \"10s\" (at most 1h)");
    }
    return Duration.ofNanos((long) nanos);
  }

  private static byte[] readSmall(Path f) throws IOException {
    if (Files.size(f) > MAX_FILE) {
      throw new IllegalArgumentException("larger than 1 MiB; refused");
    }
    return Files.readAllBytes(f);
  }
}
