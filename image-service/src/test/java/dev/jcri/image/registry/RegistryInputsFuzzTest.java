package dev.jcri.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jcri.common.PermissionDeniedException;
import dev.jcri.image.testing.FuzzInput;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * What a registry says in headers: WWW-Authenticate challenges always parse (to a lower-case scheme and keys),
 * and a redirect Location or token realm is either refused or names http(s) on a host, never a downgrade from
 * https, never a link-local, unspecified or (from afar) loopback address. Hosts are IP literals only: nothing
 * here resolves a name.
 */
class RegistryInputsFuzzTest {

  static final List<String> CHALLENGE = List.of("Bearer ", "Basic ", "bEaReR", "realm=", "\"", "\\\"", ",",
      "service=", "scope=", "repository:x:pull", "https://192.0.2.7/token", " ", "=", "\"unterminated");
  static final List<String> SCHEMES = List.of("https://", "http://", "file://", "ftp://", "HTTPS://", "", "//",
      "jar:", "javascript:");
  static final List<String> HOSTS = List.of("192.0.2.7", "127.0.0.1", "169.254.169.254", "[fe80::1]", "0.0.0.0",
      "[::1]", "[fd00:ec2::254]", "224.0.0.1", "198.51.100.9:8443", "127.0.0.2:5000", "", "@192.0.2.7");
  static final List<URI> FROM = List.of(URI.create("https://192.0.2.1/v2/x/manifests/1"),
      URI.create("http://127.0.0.1:5000/v2/x/blobs/y"));

  static void target(FuzzInput in) {
    String header = in.bool() ? FuzzInput.joined(in, CHALLENGE, 12) : in.text(200);
    AuthChallenge c = AuthChallenge.parse(header);
    assertEquals(c.scheme().toLowerCase(Locale.ROOT), c.scheme());
    c.params().keySet().forEach(k -> assertEquals(k.toLowerCase(Locale.ROOT), k));

    URI from = in.pick(FROM);
    // The path has no '/': an authority can only come from HOSTS, so no name is ever resolved.
    String location = in.pick(SCHEMES) + in.pick(HOSTS) + "/" + in.text(20).replaceAll("[^A-Za-z0-9._-]", "");
    boolean realm = in.bool();
    URI to;
    try {
      to = realm ? OriginPolicy.realm(from, location, "fuzz") : OriginPolicy.redirect(from, location, "fuzz");
    } catch (PermissionDeniedException refused) {
      return;
    }
    String scheme = to.getScheme().toLowerCase(Locale.ROOT);
    assertTrue(scheme.equals("https") || scheme.equals("http"), location);
    assertFalse(from.getScheme().equals("https") && scheme.equals("http"), "a downgrade: " + location);
    assertNotNull(to.getHost(), location);
    String host = to.getHost();
    assertFalse(host.startsWith("169.254.") || host.startsWith("[fe80") || host.equals("0.0.0.0")
        || host.startsWith("224."), "a forbidden address: " + location);
    if (from.getHost().equals("192.0.2.1")) {
      assertFalse(host.startsWith("127.") || host.equals("[::1]"), "loopback from afar: " + location);
    }
  }

  @FuzzTest(maxDuration = "2m")
  void fuzz(FuzzedDataProvider data) {
    target(FuzzInput.of(data));
  }

  @Test
  void randomInputs() {
    FuzzInput.runRandom(3000, 23, RegistryInputsFuzzTest::target);
  }
}
