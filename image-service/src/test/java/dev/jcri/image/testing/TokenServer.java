package dev.jcri.image.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small token service for a docker-registry in token-auth mode: it signs JWTs (RS256, certificate in
 * x5c) with a key keytool makes, and grants pull and push to the one user it knows, over Basic auth.
 */
public final class TokenServer implements AutoCloseable {

  public static final String SERVICE = "jcri-test-registry";
  public static final String ISSUER = "jcri-test-issuer";
  /** The identity (refresh) token the POST grant accepts. */
  public static final String REFRESH_TOKEN = "identity-token-of-bob";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final PrivateKey key;
  private final X509Certificate cert;
  private final Path certPem;
  private final String user;
  private final String password;
  private final AtomicInteger issued = new AtomicInteger();

  private TokenServer(HttpServer server, PrivateKey key, X509Certificate cert, Path certPem, String user,
      String password) {
    this.server = server;
    this.key = key;
    this.cert = cert;
    this.certPem = certPem;
    this.user = user;
    this.password = password;
  }

  public static TokenServer start(Path dir, String user, String password) throws Exception {
    Files.createDirectories(dir);
    Path ks = dir.resolve("token.p12");
    Path pem = dir.resolve("token-cert.pem");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(keytool, "-genkeypair", "-alias", "token", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=jcri-test",
        "-validity", "2", "-ext", "BC=ca:true", "-keystore", ks.toString(), "-storepass", "changeit",
        "-storetype", "PKCS12");
    run(keytool, "-exportcert", "-rfc", "-alias", "token", "-keystore", ks.toString(), "-storepass", "changeit",
        "-file", pem.toString());
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(ks)) {
      store.load(in, "changeit".toCharArray());
    }
    PrivateKey key = (PrivateKey) store.getKey("token", "changeit".toCharArray());
    X509Certificate cert = (X509Certificate) store.getCertificate("token");
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    TokenServer t = new TokenServer(http, key, cert, pem, user, password);
    http.createContext("/token", exchange -> {
      if (exchange.getRequestMethod().equals("POST")) {
        // OAuth2 refresh-token grant, as registries offer for identity tokens.
        String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String repo = "";
        boolean ok = false;
        for (String part : form.split("&")) {
          String v = java.net.URLDecoder.decode(part.substring(part.indexOf('=') + 1), StandardCharsets.UTF_8);
          if (part.startsWith("refresh_token=")) {
            ok = v.equals(REFRESH_TOKEN);
          } else if (part.startsWith("scope=")) {
            repo = v.split(":")[1];
          }
        }
        if (!ok) {
          exchange.sendResponseHeaders(401, -1);
          exchange.close();
          return;
        }
        byte[] body = ("{\"access_token\":\"" + t.mint(user, repo) + "\",\"expires_in\":300}").getBytes();
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
        return;
      }
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes());
      if (!expected.equals(auth)) {
        exchange.sendResponseHeaders(401, -1);
        exchange.close();
        return;
      }
      String query = exchange.getRequestURI().getQuery();
      String repo = "";
      for (String part : query.split("&")) {
        if (part.startsWith("scope=")) {
          String scope = java.net.URLDecoder.decode(part.substring(6), StandardCharsets.UTF_8);
          repo = scope.split(":")[1];
        }
      }
      byte[] body = ("{\"token\":\"" + t.mint(user, repo) + "\",\"expires_in\":300}").getBytes();
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    http.start();
    return t;
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + ": " + out);
    }
  }

  /** The registry's {@code auth:} section for this token service. */
  public String registryAuthYaml() {
    return "  token:\n    realm: " + realm() + "\n    service: " + SERVICE + "\n    issuer: " + ISSUER
        + "\n    rootcertbundle: " + certPem + "\n";
  }

  public String realm() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  public int issued() {
    return issued.get();
  }

  /** A signed token granting pull and push on {@code repo}. */
  public String mint(String subject, String repo) {
    try {
      issued.incrementAndGet();
      ObjectNode header = JSON.createObjectNode();
      header.put("typ", "JWT");
      header.put("alg", "RS256");
      header.putArray("x5c").add(Base64.getEncoder().encodeToString(cert.getEncoded()));
      long now = Instant.now().getEpochSecond();
      ObjectNode claims = JSON.createObjectNode();
      claims.put("iss", ISSUER);
      claims.put("sub", subject);
      claims.put("aud", SERVICE);
      claims.put("exp", now + 300);
      claims.put("nbf", now - 10);
      claims.put("iat", now);
      claims.put("jti", UUID.randomUUID().toString());
      ObjectNode access = claims.putArray("access").addObject();
      access.put("type", "repository");
      access.put("name", repo);
      List.of("pull", "push").forEach(access.putArray("actions")::add);
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      String signingInput = b64.encodeToString(JSON.writeValueAsBytes(header)) + "."
          + b64.encodeToString(JSON.writeValueAsBytes(claims));
      Signature rs256 = Signature.getInstance("SHA256withRSA");
      rs256.initSign(key);
      rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + b64.encodeToString(rs256.sign());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
