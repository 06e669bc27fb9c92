package dev.jcri.image.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;

/** Pushes test images to a registry with the distribution API (monolithic blob uploads). */
public final class RegistryPusher {

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String base;
  private final String authorization;

  public RegistryPusher(LocalRegistry registry) {
    this(registry.url(), null);
  }

  /** With Basic credentials, for a registry behind htpasswd. */
  public RegistryPusher(String baseUrl, String user, String password) {
    this(baseUrl, "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes()));
  }

  /** With a ready Authorization header value (a bearer token for a token-auth registry). */
  public static RegistryPusher withAuthorization(String baseUrl, String authorization) {
    return new RegistryPusher(baseUrl, authorization);
  }

  private RegistryPusher(String baseUrl, String authorization) {
    this.base = baseUrl;
    this.authorization = authorization;
  }

  /** Pushes every blob and the manifest under {@code repo:tag}. */
  public void push(String repo, String tag, TestImage.Built image) throws IOException, InterruptedException {
    for (TestImage.Layer l : image.layers()) {
      blob(repo, l.blob());
    }
    blob(repo, image.config());
    manifest(repo, tag, image.manifest(), image.manifestMediaType());
  }

  public void blob(String repo, byte[] data) throws IOException, InterruptedException {
    String digest = TestImage.sha256(data);
    HttpResponse<String> start = send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/blobs/uploads/"))
        .POST(HttpRequest.BodyPublishers.noBody()));
    check(start, 202, "starting upload");
    String location = start.headers().firstValue("Location").orElseThrow();
    URI put = URI.create(base).resolve(location);
    String sep = put.toString().contains("?") ? "&" : "?";
    HttpResponse<String> done = send(HttpRequest.newBuilder(URI.create(put + sep + "digest=" + digest))
        .header("Content-Type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(data)));
    check(done, 201, "uploading " + digest);
  }

  public void manifest(String repo, String reference, byte[] manifest, String mediaType)
      throws IOException, InterruptedException {
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/manifests/" + reference))
        .header("Content-Type", mediaType)
        .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)));
    check(r, 201, "putting manifest " + repo + ":" + reference);
  }

  private HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void check(HttpResponse<String> r, int expected, String what) throws IOException {
    if (r.statusCode() != expected) {
      throw new IOException(what + ": HTTP " + r.statusCode() + " " + r.body());
    }
  }
}
