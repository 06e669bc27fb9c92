package dev.jcri.image.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Debian's docker-registry (the Docker distribution registry) run by a test on 127.0.0.1 and a free port,
 * storing under a directory of the test's. Optional htpasswd (Basic) or token (Bearer) auth.
 */
public final class LocalRegistry implements AutoCloseable {

  public static final Path BINARY = Path.of("/usr/bin/docker-registry");

  private final Process process;
  private final int port;
  private final Path dir;
  private final boolean tls;

  private LocalRegistry(Process process, int port, Path dir, boolean tls) {
    this.process = process;
    this.port = port;
    this.dir = dir;
    this.tls = tls;
  }

  /** Starts a registry without auth. */
  public static LocalRegistry start(Path dir) throws IOException, InterruptedException {
    return start(dir, "");
  }

  /** Starts a registry; {@code authYaml} is the registry's {@code auth:} section, indented two spaces, or "". */
  public static LocalRegistry start(Path dir, String authYaml) throws IOException, InterruptedException {
    return start(dir, authYaml, "");
  }

  /**
   * Starts a registry over HTTPS with {@code certificate} and {@code key} (PEM), asking clients for a certificate
   * {@code clientCa} signed when it is not null. It serves what {@code dir}'s storage holds: push through a plain
   * registry on the same directory first.
   */
  public static LocalRegistry startTls(Path dir, Path certificate, Path key, Path clientCa)
      throws IOException, InterruptedException {
    return start(dir, "", "  tls:\n    certificate: " + certificate + "\n    key: " + key + "\n"
        + (clientCa == null ? "" : "    clientcas:\n      - " + clientCa + "\n"));
  }

  private static LocalRegistry start(Path dir, String authYaml, String tlsYaml)
      throws IOException, InterruptedException {
    int port = freePort();
    Files.createDirectories(dir.resolve("storage"));
    Path config = dir.resolve("config.yml");
    Files.writeString(config, """
        version: 0.1
        log:
          level: warn
        storage:
          filesystem:
            rootdirectory: %s
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:%d
        %s
        validation:
          manifests:
            urls:
              allow:
                - ^http://127\\.0\\.0\\.1[:/]
        %s
        """.formatted(dir.resolve("storage"), port, tlsYaml.stripTrailing(), authYaml.isEmpty() ? "" : "auth:\n" + authYaml));
    Process p = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
    LocalRegistry r = new LocalRegistry(p, port, dir, !tlsYaml.isEmpty());
    r.awaitUp();
    return r;
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void awaitUp() throws IOException, InterruptedException {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
      }
      if (tls) {
        try {
          new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port).close();
          return;
        } catch (IOException e) {
          Thread.sleep(50);
          continue;
        }
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/v2/"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200 || r.statusCode() == 401) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(50);
    }
    throw new IOException("docker-registry did not come up on " + url());
  }

  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:<port>}, the registry part of image references. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  public String url() {
    return (tls ? "https://" : "http://") + host();
  }

  public void stop() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }
}
