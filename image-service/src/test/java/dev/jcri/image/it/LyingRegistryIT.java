package dev.jcri.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.JcriException;
import dev.jcri.common.Libc;
import dev.jcri.common.PermissionDeniedException;
import dev.jcri.image.ImageService;
import dev.jcri.image.registry.Credentials;
import dev.jcri.image.registry.RegistryHosts;
import dev.jcri.image.testing.LocalRegistry;
import dev.jcri.image.testing.RegistryPusher;
import dev.jcri.image.testing.TestImage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registries that lie, as real HTTP servers on loopback: redirects and token realms to where credentials or
 * requests must not go, documents that read two ways, bodies that must not reach an error, and images that
 * would take more than a pull may. Each is pulled through the real image service.
 */
class LyingRegistryIT {

  @TempDir Path root;
  ImageService images;
  final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  /** Every request any scripted server saw: "host:port path auth=<Authorization or ->". */
  final List<String> seen = new CopyOnWriteArrayList<>();

  @BeforeEach
  void open() {
    images = new ImageService(new ImageService.Settings(root, RegistryHosts.direct(), 3, 1L << 30, Set.of()));
  }

  @AfterEach
  void close() throws IOException {
    servers.forEach(s -> s.stop(0));
    try (Stream<String> mounts = Files.lines(Path.of("/proc/self/mounts"))) {
      mounts.map(l -> l.split(" ")[1]).filter(m -> m.startsWith(root.toString()))
          .forEach(m -> Libc.INSTANCE.umount2(m, Libc.MNT_DETACH));
    }
  }

  /** A server on {@code address} answering every request with {@code script}. */
  String serve(String address, Consumer<HttpExchange> script) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), 0), 16);
    s.createContext("/", ex -> {
      seen.add(address + ":" + s.getAddress().getPort() + " " + ex.getRequestURI().getPath() + " auth="
          + ex.getRequestHeaders().getOrDefault("Authorization", List.of("-")).getFirst());
      try {
        script.accept(ex);
      } finally {
        ex.close();
      }
    });
    s.start();
    servers.add(s);
    return address + ":" + s.getAddress().getPort();
  }

  static void answer(HttpExchange ex, int code, String contentType, byte[] body, Map<String, String> headers) {
    try {
      headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
      if (contentType != null) {
        ex.getResponseHeaders().add("Content-Type", contentType);
      }
      ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void redirect(HttpExchange ex, String location) {
    answer(ex, 302, null, new byte[0], Map.of("Location", location));
  }

  <T extends Throwable> T pullFails(Class<T> type, String image, Credentials creds) {
    return assertThrows(type, () -> images.pull(image, creds));
  }

  @Test
  void redirectToMetadataOrOtherScheme_isRefusedWithoutARequest() throws Exception {
    for (String location : List.of("http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/x",
        "file:///etc/shadow", "ftp://127.0.0.1/x", "http://0.0.0.0:1/x")) {
      String host = serve("127.0.0.1", ex -> redirect(ex, location));
      PermissionDeniedException e = pullFails(PermissionDeniedException.class, host + "/lie/meta:1",
          Credentials.NONE);
      assertTrue(e.getMessage().contains("redirect"), e.getMessage());
    }
  }

  @Test
  void credentials_goOnlyToTheirOrigin() throws Exception {
    String elsewhere = serve("127.0.0.2", ex -> answer(ex, 404, "application/json", new byte[0], Map.of()));
    String samehost = serve("127.0.0.1", ex -> answer(ex, 404, "application/json", new byte[0], Map.of()));
    for (String target : List.of(elsewhere, samehost)) {
      seen.clear();
      String registry = serve("127.0.0.1", ex -> {
        if (ex.getRequestHeaders().containsKey("Authorization")) {
          redirect(ex, "http://" + target + "/v2/x/manifests/1");
        } else {
          answer(ex, 401, null, new byte[0], Map.of("WWW-Authenticate", "Basic realm=\"r\""));
        }
      });
      assertThrows(JcriException.class, () -> images.pull(registry + "/lie/creds:1",
          Credentials.of("alice", "pa55word", "", "", "")));
      List<String> atTarget = seen.stream().filter(l -> l.startsWith(target)).toList();
      assertFalse(atTarget.isEmpty(), "the redirect was followed: " + seen);
      assertTrue(atTarget.stream().allMatch(l -> l.endsWith("auth=-")),
          "another origin (other host or port) got the credentials: " + seen);
      assertTrue(seen.stream().anyMatch(l -> l.startsWith(registry) && l.contains("auth=Basic")), seen.toString());
    }
  }

  @Test
  void tokenRealmOnAnotherSchemeOrMetadata_isRefused() throws Exception {
    for (String realm : List.of("ftp://127.0.0.1/token", "http://169.254.169.254/token", "file:///etc/passwd")) {
      String host = serve("127.0.0.1", ex -> answer(ex, 401, null, new byte[0],
          Map.of("WWW-Authenticate", "Bearer realm=\"" + realm + "\",service=\"s\"")));
      PermissionDeniedException e = pullFails(PermissionDeniedException.class, host + "/lie/realm:1",
          Credentials.of("alice", "pa55word", "", "", ""));
      assertTrue(e.getMessage().contains("realm"), e.getMessage());
    }
  }

  @Test
  void bodies_neverReachTheError() throws Exception {
    String secret = "SECRET-BODY-" + ProcessHandle.current().pid();
    String html = serve("127.0.0.1", ex -> answer(ex, 200, "text/html",
        ("<html>" + secret + "</html>").getBytes(StandardCharsets.UTF_8), Map.of()));
    InvalidArgumentException e = pullFails(InvalidArgumentException.class, html + "/lie/html:1", Credentials.NONE);
    assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    assertFalse(e.getMessage().contains(secret), e.getMessage());
    String errors = serve("127.0.0.1", ex -> answer(ex, 403, "text/html",
        ("<html>" + secret + "</html>").getBytes(StandardCharsets.UTF_8), Map.of()));
    JcriException denied = pullFails(JcriException.class, errors + "/lie/denied:1", Credentials.NONE);
    assertFalse(denied.getMessage().contains(secret), denied.getMessage());
  }

  @Test
  void documentsThatReadTwoWays_areRefused() throws Exception {
    String config = "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:"
        + "a".repeat(64) + "\",\"size\":2}";
    String both = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
        + config + ",\"layers\":[],\"manifests\":[]}";
    String host = serve("127.0.0.1", ex -> answer(ex, 200, "application/vnd.oci.image.manifest.v1+json",
        both.getBytes(StandardCharsets.UTF_8), Map.of()));
    InvalidArgumentException e = pullFails(InvalidArgumentException.class, host + "/lie/both:1", Credentials.NONE);
    assertTrue(e.getMessage().contains("ambiguous"), e.getMessage());

    String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
        + config + ",\"layers\":[]}";
    String served = serve("127.0.0.1", ex -> answer(ex, 200, "application/vnd.oci.image.index.v1+json",
        manifest.getBytes(StandardCharsets.UTF_8), Map.of()));
    e = pullFails(InvalidArgumentException.class, served + "/lie/type:1", Credentials.NONE);
    assertTrue(e.getMessage().contains("served it as"), e.getMessage());
  }

  @Test
  void imagesBeyondThePullsBounds_areRefusedBeforeDownloading() throws Exception {
    String layer = "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:"
        + "b".repeat(64) + "\",\"size\":100}";
    String manyLayers = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:"
        + "a".repeat(64) + "\",\"size\":2},\"layers\":[" + String.join(",", java.util.Collections.nCopies(800, layer))
        + "]}";
    String hugeConfig = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:"
        + "a".repeat(64) + "\",\"size\":" + (1L << 33) + "},\"layers\":[" + layer + "]}";
    Map<String, String> docs = new ConcurrentHashMap<>(Map.of("many", manyLayers, "config", hugeConfig));
    String host = serve("127.0.0.1", ex -> {
      String[] parts = ex.getRequestURI().getPath().split("/");
      String doc = ex.getRequestURI().getPath().contains("/manifests/") ? docs.get(parts[3]) : null;
      if (doc == null) {
        answer(ex, 404, "application/json", new byte[0], Map.of());
      } else {
        answer(ex, 200, "application/vnd.oci.image.manifest.v1+json", doc.getBytes(StandardCharsets.UTF_8), Map.of());
      }
    });
    InvalidArgumentException e = pullFails(InvalidArgumentException.class, host + "/lie/many:1", Credentials.NONE);
    assertTrue(e.getMessage().contains("800 layers"), e.getMessage());
    e = pullFails(InvalidArgumentException.class, host + "/lie/config:1", Credentials.NONE);
    assertTrue(e.getMessage().contains("config"), e.getMessage());
    assertTrue(seen.stream().noneMatch(l -> l.contains("/blobs/")), "no blob was fetched: " + seen);
  }

  @Test
  void sparseLayer_countsItsExpandedBytes_andTheImageHasABound() throws Exception {
    try (LocalRegistry registry = LocalRegistry.start(root.resolve("registry"))) {
      RegistryPusher pusher = new RegistryPusher(registry);
      // 64 MiB of file from about a kilobyte of tar: the layer bound is 1 MiB.
      pusher.push("lie/sparse", "1", new TestImage().rawLayer(TestImage.Compression.GZIP,
          TestImage.sparseTar("zeros", 64L << 20, "end".getBytes(StandardCharsets.UTF_8))).build());
      ImageService small = new ImageService(new ImageService.Settings(root.resolve("small"), RegistryHosts.direct(),
          3, 1L << 20, Set.of()));
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
          () -> small.pull(registry.host() + "/lie/sparse:1", Credentials.NONE));
      assertTrue(e.getMessage().contains("max_layer_bytes"), e.getMessage());
      try (Stream<Path> files = Files.walk(root.resolve("small/snapshots"))) {
        assertEquals(0, files.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().equals("zeros"))
            .count(), "the expanded file was not left behind");
      }
      // Two layers of 700 KiB of zeros each (a few KiB gzipped): each within the layer bound, together past the
      // image's 1 MiB once unpacked.
      byte[] data = new byte[700 * 1024];
      pusher.push("lie/two", "1", new TestImage().layer(TestImage.Compression.GZIP, t -> t.file("a", data, 0644))
          .layer(TestImage.Compression.GZIP, t -> t.file("b", data, 0644)).build());
      ImageService bounded = new ImageService(new ImageService.Settings(root.resolve("bounded"),
          RegistryHosts.direct(), 3, 1L << 20, 1L << 20, Set.of()));
      e = assertThrows(InvalidArgumentException.class,
          () -> bounded.pull(registry.host() + "/lie/two:1", Credentials.NONE));
      assertTrue(e.getMessage().contains("max_image_bytes"), e.getMessage());
      assertTrue(bounded.list().isEmpty());
    }
  }
}
