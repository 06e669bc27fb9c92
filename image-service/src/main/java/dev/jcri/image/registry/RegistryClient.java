package dev.jcri.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.common.Digests;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.JcriException;
import dev.jcri.common.Json;
import dev.jcri.common.Log;
import dev.jcri.common.NotFoundException;
import dev.jcri.common.PermissionDeniedException;
import dev.jcri.common.UnavailableException;
import dev.jcri.image.manifest.Descriptor;
import dev.jcri.image.manifest.MediaTypes;
import dev.jcri.image.ref.Digest;
import dev.jcri.image.ref.ImageReference;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * A client of the OCI distribution (Docker Registry v2) API over the JDK's HTTP client: manifests and blobs,
 * anonymous, Basic and Bearer-token auth (token cached per scope), mirrors tried first, transient failures
 * (connection errors, 429, 5xx) retried with backoff. Redirects are followed by hand so that credentials
 * never travel to another host.
 */
public final class RegistryClient {

  private static final Log LOG = Log.of(RegistryClient.class);
  private static final ObjectMapper JSON = Json.PLAIN;
  /** As containerd: manifests and indexes larger than this are refused. */
  static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
  private static final int ATTEMPTS = 4;
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
  private static final int MAX_REDIRECTS = 5;

  /** How long a response may take to start, and a body may go without a byte. */
  static final Duration STALL_LIMIT = Duration.ofSeconds(60);

  /**
   * The JDK HTTP client reads the socket in buffers of {@code jdk.httpclient.bufsize} bytes (16 KiB unless
   * set), each one a trip through its reactive pipeline: at C1 a 30 MB blob took ~200 ms on loopback, with
   * 256 KiB ~150 ms or less. Read once, when the client's classes load, so it is set here, before any is made.
   */
  static {
    if (System.getProperty("jdk.httpclient.bufsize") == null) {
      System.setProperty("jdk.httpclient.bufsize", Integer.toString(256 * 1024));
    }
  }

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

  /** Made on first use: building an HTTP client loads the TLS trust store, ~0.4 s that start-up need not pay. */
  private final Supplier<HttpClient> http;
  /** Clients of endpoints with a TLS set-up or dial timeout of their own, per (context, timeout). */
  private final Map<List<Object>, HttpClient> ownClients = new ConcurrentHashMap<>();
  private final RegistryHosts hosts;
  private final RegistryTokens tokens;

  public RegistryClient(RegistryHosts hosts) {
    this.hosts = hosts;
    this.http = memoize(() -> client(null, CONNECT_TIMEOUT));
    this.tokens = new RegistryTokens();
  }

  private static HttpClient client(SSLContext tls, Duration connectTimeout) {
    HttpClient.Builder b = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER);
    if (tls != null) {
      b.sslContext(tls);
    }
    return b.build();
  }

  /** The HTTP client for {@code e}: the shared one, or one made for its TLS set-up and dial timeout. */
  private HttpClient http(RegistryEndpoint e) {
    if (e.tls() == null && e.dialTimeout() == null) {
      return http.get();
    }
    List<Object> key = java.util.Arrays.asList(e.tls(), e.dialTimeout());
    if (ownClients.size() > 64) {
      ownClients.clear(); // contexts of files since changed; their clients go with them
    }
    return ownClients.computeIfAbsent(key, k -> client(e.tls(),
        e.dialTimeout() == null ? CONNECT_TIMEOUT : e.dialTimeout()));
  }

  private static <T> Supplier<T> memoize(Supplier<T> make) {
    return new Supplier<>() {
      private volatile T value;

      @Override
      public T get() {
        T v = value;
        if (v == null) {
          synchronized (this) {
            v = value;
            if (v == null) {
              v = make.get();
              value = v;
            }
          }
        }
        return v;
      }
    };
  }

  /** A manifest as the registry sent it, with the digest of its bytes. */
  public record FetchedManifest(byte[] body, String contentType, Digest digest) {}

  /** Fetches the manifest (or index) {@code reference} (a tag or digest) of {@code ref}'s repository. */
  public FetchedManifest manifest(ImageReference ref, String reference, Credentials creds) {
    HttpResponse<InputStream> response = get(ref, "/manifests/" + reference, !Digest.looksLikeDigest(reference),
        MediaTypes.ACCEPT_MANIFESTS, creds, "manifest " + ref.repository() + ":" + reference);
    try (InputStream in = response.body()) {
      byte[] body = in.readNBytes(MAX_MANIFEST_BYTES + 1);
      if (body.length > MAX_MANIFEST_BYTES) {
        throw new InvalidArgumentException("manifest " + ref.repository() + ":" + reference + " is larger than "
            + MAX_MANIFEST_BYTES + " bytes; refused");
      }
      Digest actual = Digest.sha256(sha256(body));
      if (Digest.looksLikeDigest(reference)) {
        Digest wanted = Digest.parse(reference);
        Digest check = wanted.algorithm().equals("sha256") ? actual : Digest.parse(wanted.algorithm() + ":"
            + HexFormat.of().formatHex(hash(wanted.jcaName(), body)));
        if (!check.equals(wanted)) {
          throw new InvalidArgumentException("manifest " + ref.repository() + "@" + wanted
              + " does not match its digest (got " + check + "); the registry sent other content");
        }
        actual = wanted;
      }
      return new FetchedManifest(body, response.headers().firstValue("Content-Type").orElse(""), actual);
    } catch (IOException e) {
      throw new UnavailableException("reading manifest " + ref.repository() + ":" + reference + " from the registry"
          + " failed: " + e.getMessage(), e);
    }
  }

  /** Opens the blob of {@code d} as a stream; the caller verifies what it reads and closes it. */
  public InputStream blob(ImageReference ref, Descriptor d, Credentials creds) {
    if (MediaTypes.FOREIGN_LAYERS.contains(d.mediaType())) {
      RegistryEndpoint registry = hosts.endpoints(ref.domain()).getLast();
      URI registryBase = registry.root();
      for (String url : d.urls()) {
        if (url.startsWith("https://") || url.startsWith("http://")) {
          try {
            // The manifest names these URLs: checked as a redirect of the registry's would be.
            URI foreign = OriginPolicy.redirect(registryBase, url, "foreign layer " + d.digest());
            HttpResponse<InputStream> r = send(http(registry), HttpRequest.newBuilder(foreign).GET(),
                null, "foreign layer " + d.digest() + " from " + foreign.getHost());
            if (r.statusCode() == 200) {
              return new StallGuard(r.body(), STALL_LIMIT, "foreign layer " + d.digest());
            }
            r.body().close();
          } catch (IOException | JcriException e) {
            LOG.warn("foreign layer URL failed; trying the registry", "digest", d.digest(), "error", e.getMessage());
          }
        }
      }
    }
    String what = "blob " + d.digest() + " of " + ref.repository();
    return new StallGuard(get(ref, "/blobs/" + d.digest(), false, "*/*", creds, what).body(), STALL_LIMIT, what);
  }

  /**
   * GETs {@code suffix} of the repository from its endpoints in turn: those that resolve tags when
   * {@code byTag}, else those that serve content by digest.
   */
  private HttpResponse<InputStream> get(ImageReference ref, String suffix, boolean byTag, String accept,
      Credentials creds, String what) {
    String scope = "repository:" + ref.path() + ":pull";
    List<RegistryEndpoint> endpoints = hosts.endpoints(ref.domain()).stream()
        .filter(e -> byTag ? e.resolve() : e.pull()).toList();
    if (endpoints.isEmpty()) {
      throw new FailedPreconditionException(what + ": no host configured for " + ref.domain() + " may "
          + (byTag ? "resolve tags (capability \"resolve\")" : "pull content (capability \"pull\")"));
    }
    List<String> mirrorFailures = new ArrayList<>();
    for (int i = 0; i < endpoints.size(); i++) {
      RegistryEndpoint endpoint = endpoints.get(i);
      URI base = endpoint.root();
      boolean last = i == endpoints.size() - 1;
      URI uri = endpoint.uri(ref.path(), suffix);
      try {
        HttpResponse<InputStream> r = authorizedGet(endpoint, uri, accept, creds, scope, what);
        if (r.statusCode() == 200) {
          return r;
        }
        String detail = errorDetail(r);
        JcriException e = statusError(r.statusCode(), what, base, creds, detail);
        if (last) {
          throw e;
        }
        mirrorFailures.add(base + ": " + e.getMessage());
      } catch (JcriException e) {
        if (last) {
          throw e;
        }
        mirrorFailures.add(base + ": " + e.getMessage());
      } catch (IOException e) {
        if (last) {
          throw new UnavailableException("cannot reach " + base + " for " + what + ": " + e
              + (e instanceof javax.net.ssl.SSLException ? "; a registry with a private CA or one that asks for a"
              + " client certificate needs them in its hosts directory (registry.config_path)" : ""), e);
        }
        mirrorFailures.add(base + ": " + e);
      }
      LOG.info("mirror failed; trying the next endpoint", "what", what, "mirror", base,
          "error", mirrorFailures.getLast());
    }
    throw new IllegalStateException("no endpoints");
  }

  private HttpResponse<InputStream> authorizedGet(RegistryEndpoint endpoint, URI uri, String accept,
      Credentials creds, String scope, String what) throws IOException {
    String host = endpoint.origin();
    HttpClient client = http(endpoint);
    String cached = tokens.cached(host, scope, creds);
    HttpResponse<InputStream> r = send(client, request(endpoint, uri, accept), cached, what);
    if (r.statusCode() != 401) {
      return r;
    }
    AuthChallenge challenge = AuthChallenge.parse(r.headers().firstValue("WWW-Authenticate").orElse(""));
    r.body().close();
    String authorization = switch (challenge.scheme()) {
      case "bearer" -> "Bearer " + tokens.fetch(client, host, challenge, scope, creds, what);
      case "basic" -> {
        if (!creds.hasBasic()) {
          throw new PermissionDeniedException(what + ": " + host + " requires a username and password"
              + " (Basic auth) and the pull gave none");
        }
        yield creds.basicHeader();
      }
      default -> throw new PermissionDeniedException(what + ": " + host + " answered 401 with an auth scheme"
          + " jcri does not know (\"" + challenge.scheme() + "\")");
    };
    if (challenge.scheme().equals("basic")) {
      tokens.remember(host, scope, creds, authorization);
    }
    return send(client, request(endpoint, uri, accept), authorization, what);
  }

  private static HttpRequest.Builder request(RegistryEndpoint endpoint, URI uri, String accept) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
    endpoint.headers().forEach((name, values) -> values.forEach(v -> b.header(name, v)));
    return b.header("Accept", accept).header("User-Agent", "jcri");
  }

  /**
   * Sends with retries on transient failures and follows redirects; Authorization goes only to the
   * original host.
   */
  private HttpResponse<InputStream> send(HttpClient client, HttpRequest.Builder builder, String authorization,
      String what) throws IOException {
    HttpRequest original = builder.build();
    Duration backoff = FIRST_BACKOFF;
    for (int attempt = 1; ; attempt++) {
      try {
        HttpResponse<InputStream> r = followRedirects(client, original, authorization, what);
        int code = r.statusCode();
        if ((code == 429 || code >= 500) && attempt < ATTEMPTS) {
          r.body().close();
          LOG.info("registry busy or failing; retrying", "what", what, "status", code, "attempt", attempt);
        } else {
          return r;
        }
      } catch (IOException e) {
        if (attempt >= ATTEMPTS) {
          throw e;
        }
        LOG.info("registry connection failed; retrying", "what", what, "error", e.toString(), "attempt", attempt);
      }
      sleep(backoff);
      backoff = backoff.multipliedBy(2);
    }
  }

  /**
   * Follows redirects by hand: each target is checked ({@link OriginPolicy}), and the Authorization header goes
   * only to the original origin (scheme, host and port), never to another host nor over another scheme.
   */
  private HttpResponse<InputStream> followRedirects(HttpClient client, HttpRequest original, String authorization,
      String what) throws IOException {
    URI uri = original.uri();
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(STALL_LIMIT);
      original.headers().map().forEach((k, vs) -> vs.forEach(v -> b.header(k, v)));
      if (authorization != null && OriginPolicy.sameOrigin(original.uri(), uri)) {
        b.header("Authorization", authorization);
      }
      HttpResponse<InputStream> r;
      try {
        r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      int code = r.statusCode();
      if (code != 301 && code != 302 && code != 303 && code != 307 && code != 308) {
        return r;
      }
      String location = r.headers().firstValue("Location").orElse(null);
      r.body().close();
      if (location == null) {
        throw new IOException("redirect " + code + " without a Location from " + uri.getHost());
      }
      uri = OriginPolicy.redirect(uri, location, what);
    }
    throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + original.uri());
  }

  private static JcriException statusError(int code, String what, URI base, Credentials creds, String detail) {
    String from = " from " + base + (detail.isEmpty() ? "" : " (" + detail + ")");
    return switch (code) {
      case 401 -> new PermissionDeniedException(what + ": not authorized" + from + " with "
          + (creds.isEmpty() ? "no credentials" : "the credentials given (" + creds + ")"));
      case 403 -> new PermissionDeniedException(what + ": access denied" + from);
      case 404 -> new NotFoundException(what + " not found" + from);
      case 429 -> new UnavailableException(what + ": the registry keeps answering 429 Too Many Requests" + from);
      case 400 -> new UnavailableException(what + ": unexpected HTTP 400" + from + (base.getScheme().equals("http")
          ? "; if the registry serves HTTPS, name it in its hosts directory (registry.config_path):"
          + " <dir>/" + base.getRawAuthority().replace(':', '_') + (base.getPort() < 0 ? "" : "_")
          + "/hosts.toml with server = \"https://" + base.getRawAuthority() + "\"" : ""));
      default -> code >= 500
          ? new UnavailableException(what + ": the registry keeps failing with " + code + from)
          : new UnavailableException(what + ": unexpected HTTP " + code + from);
    };
  }

  /**
   * The registry's error code and a short, printable form of its message (the distribution API's error JSON);
   * nothing else of a response body ever reaches an error, which kubelet shows in pod events.
   */
  static String errorDetail(HttpResponse<InputStream> r) {
    try (InputStream in = r.body()) {
      byte[] body = in.readNBytes(4096);
      JsonNode json = JSON.readTree(body);
      JsonNode first = json.path("errors").path(0);
      if (first.isObject()) {
        String code = first.path("code").asText("");
        String message = first.path("message").asText("").replaceAll("[^\\x20-\\x7e]", "?");
        return (code.matches("[A-Z_]{1,40}") ? code : "?") + ": "
            + (message.length() > 200 ? message.substring(0, 200) + "..." : message);
      }
    } catch (IOException | RuntimeException e) {
      // the body is only a hint
    }
    return "";
  }

  private static void sleep(Duration d) throws IOException {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  static byte[] sha256(byte[] data) {
    return hash("SHA-256", data);
  }

  private static byte[] hash(String algorithm, byte[] data) {
    return Digests.of(algorithm).digest(data);
  }

}
