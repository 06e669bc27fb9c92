package dev.jcri.image.registry;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * One place the images of a registry host are fetched from: a mirror or the host itself.
 *
 * @param root the API root, the URL that {@code <name>/manifests/<reference>} follows (normally ending in
 *     {@code /v2})
 * @param resolve whether tags are resolved here (containerd's "resolve" capability); otherwise only content by
 *     digest is fetched from it ("pull")
 * @param pull whether content by digest is fetched here
 * @param tls the TLS set-up of its own, or null for the JVM's default
 * @param dialTimeout how long connecting may take, or null for the default
 * @param headers headers sent with every request to it
 */
public record RegistryEndpoint(URI root, boolean resolve, boolean pull, SSLContext tls, Duration dialTimeout,
    Map<String, List<String>> headers) {

  public RegistryEndpoint {
    String r = root.toString();
    root = URI.create(r.endsWith("/") ? r.substring(0, r.length() - 1) : r);
    headers = Map.copyOf(headers);
  }

  /** A plain endpoint with every capability, the default TLS and no headers. */
  public static RegistryEndpoint of(URI root) {
    return new RegistryEndpoint(root, true, true, null, null, Map.of());
  }

  /** The URL of {@code suffix} (e.g. {@code /manifests/v1}) in repository {@code path}. */
  URI uri(String path, String suffix) {
    return URI.create(root + "/" + path + suffix);
  }

  /** scheme://host[:port], the origin tokens and credentials are kept for. */
  String origin() {
    return root.getScheme() + "://" + root.getRawAuthority();
  }
}
