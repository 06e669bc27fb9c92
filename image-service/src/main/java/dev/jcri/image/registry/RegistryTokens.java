package dev.jcri.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.common.Digests;
import dev.jcri.common.Json;
import dev.jcri.common.PermissionDeniedException;
import dev.jcri.common.UnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Registry authorization: bearer tokens from the realm a 401 names (anonymous, Basic or refresh-token
 * grants), and the Authorization header each (registry, scope, credentials) got, cached until it expires.
 */
final class RegistryTokens {

  private static final ObjectMapper JSON = Json.PLAIN;

  private record Token(String value, Instant expires) {}

  private final Map<String, Token> tokens = new ConcurrentHashMap<>();

  RegistryTokens() {}

  /** The Authorization header cached for this registry, scope and credentials, if still valid. */
  String cached(String host, String scope, Credentials creds) {
    if (!creds.registryToken().isEmpty()) {
      return "Bearer " + creds.registryToken();
    }
    Token t = tokens.get(cacheKey(host, scope, creds));
    return t != null && t.expires().isAfter(Instant.now()) ? t.value() : null;
  }

  /** Keeps a header that needs no token service (Basic auth) for this registry, scope and credentials. */
  void remember(String host, String scope, Credentials creds, String authorization) {
    tokens.put(cacheKey(host, scope, creds), new Token(authorization, Instant.MAX));
  }

  /** Fetches a bearer token from the realm the challenge names, and caches it until it expires. */
  String fetch(HttpClient http, String host, AuthChallenge challenge, String scope, Credentials creds, String what)
      throws IOException {
    if (!creds.registryToken().isEmpty()) {
      throw new PermissionDeniedException(what + ": " + host + " refused the registry token given with the pull");
    }
    if (challenge.param("realm").isEmpty()) {
      throw new PermissionDeniedException(what + ": " + host + " asked for a bearer token without naming a realm");
    }
    // https only (or plain http where the registry itself is plain http): credentials never change scheme.
    URI realmUri = OriginPolicy.realm(URI.create(host), challenge.param("realm"), what);
    String realm = realmUri.toString();
    String service = challenge.param("service");
    String wantedScope = challenge.param("scope").isEmpty() ? scope : challenge.param("scope");
    HttpRequest.Builder b;
    if (!creds.identityToken().isEmpty()) {
      String form = "grant_type=refresh_token&client_id=jcri&service=" + enc(service) + "&scope=" + enc(wantedScope)
          + "&refresh_token=" + enc(creds.identityToken());
      b = HttpRequest.newBuilder(URI.create(realm)).POST(HttpRequest.BodyPublishers.ofString(form))
          .header("Content-Type", "application/x-www-form-urlencoded");
    } else {
      String sep = realm.contains("?") ? "&" : "?";
      URI uri = URI.create(realm + sep + "service=" + enc(service) + "&scope=" + enc(wantedScope));
      b = HttpRequest.newBuilder(uri).GET();
      if (creds.hasBasic()) {
        b.header("Authorization", creds.basicHeader());
      }
    }
    HttpResponse<InputStream> r;
    try {
      r = http.send(b.header("User-Agent", "jcri").timeout(RegistryClient.STALL_LIMIT).build(),
          HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    try (InputStream in = r.body()) {
      byte[] body = in.readNBytes(64 * 1024);
      if (r.statusCode() == 401 || r.statusCode() == 403) {
        throw new PermissionDeniedException(what + ": the token service " + realm + " refused "
            + (creds.isEmpty() ? "anonymous access" : "the credentials (" + creds + ")") + " with " + r.statusCode());
      }
      if (r.statusCode() != 200) {
        throw new UnavailableException(what + ": the token service " + realm + " answered " + r.statusCode());
      }
      JsonNode json;
      try {
        json = JSON.readTree(body);
      } catch (IOException e) {
        throw new UnavailableException(what + ": the token service " + realmUri.getHost()
            + " answered with something that is not JSON");
      }
      String token = json.path("token").asText(json.path("access_token").asText(""));
      if (token.isEmpty()) {
        throw new UnavailableException(what + ": the token service " + realm + " sent no token");
      }
      long expiresIn = Math.max(60, json.path("expires_in").asLong(60));
      tokens.put(cacheKey(host, scope, creds), new Token("Bearer " + token,
          Instant.now().plusSeconds(expiresIn - 10)));
      return token;
    }
  }

  /** The token cache's key: a SHA-256 of the credentials, so two users' tokens never collide. */
  static String cacheKey(String host, String scope, Credentials creds) {
    byte[] secret = String.join("\0", creds.username(), creds.password(), creds.identityToken(),
        creds.registryToken()).getBytes(StandardCharsets.UTF_8);
    return host + "|" + scope + "|" + HexFormat.of().formatHex(Digests.of("SHA-256").digest(secret));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
