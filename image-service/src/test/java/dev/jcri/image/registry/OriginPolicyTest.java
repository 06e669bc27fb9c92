package dev.jcri.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.PermissionDeniedException;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class OriginPolicyTest {

  static final URI HTTPS_REGISTRY = URI.create("https://192.0.2.1:443/v2/x/manifests/1");
  static final URI LOCAL_REGISTRY = URI.create("http://127.0.0.1:5000/v2/x/manifests/1");

  @Test
  void redirect_toOtherSchemesDowngradesAndMetadata_isRefused() {
    for (String bad : List.of("file:///etc/shadow", "ftp://192.0.2.1/x", "jar:file:/x!/y",
        "http://192.0.2.1/v2/x", "http://169.254.169.254/latest/meta-data", "https://169.254.169.254/",
        "https://[fe80::1]/x", "https://0.0.0.0/x", "https://224.0.0.1/x", "https://[fd00:ec2::254]/x",
        "https://127.0.0.1:10250/pods", "https://[::1]/x")) {
      assertThrows(PermissionDeniedException.class, () -> OriginPolicy.redirect(HTTPS_REGISTRY, bad, "manifest"),
          bad);
    }
  }

  @Test
  void redirect_toAnotherHttpsHostOrRelative_isFollowed() {
    assertEquals(URI.create("https://198.51.100.7/blob?sig=1"),
        OriginPolicy.redirect(HTTPS_REGISTRY, "https://198.51.100.7/blob?sig=1", "blob"));
    assertEquals(URI.create("https://192.0.2.1:443/v2/x/blobs/y"),
        OriginPolicy.redirect(HTTPS_REGISTRY, "/v2/x/blobs/y", "blob"));
    // A registry on this node may send jcri to another loopback address, over http.
    assertEquals(URI.create("http://127.0.0.2:7000/b"), OriginPolicy.redirect(LOCAL_REGISTRY,
        "http://127.0.0.2:7000/b", "blob"));
  }

  @Test
  void realm_isHttpsOrTheRegistrysOwnPlainHttp() {
    assertThrows(PermissionDeniedException.class,
        () -> OriginPolicy.realm(URI.create("https://192.0.2.1"), "http://192.0.2.20/token", "pull"));
    assertThrows(PermissionDeniedException.class,
        () -> OriginPolicy.realm(URI.create("https://192.0.2.1"), "ftp://192.0.2.20/token", "pull"));
    assertThrows(PermissionDeniedException.class,
        () -> OriginPolicy.realm(URI.create("https://192.0.2.1"), "https://169.254.169.254/t", "pull"));
    assertThrows(PermissionDeniedException.class,
        () -> OriginPolicy.realm(URI.create("https://192.0.2.1"), "/relative", "pull"));
    assertEquals("https://192.0.2.20/token",
        OriginPolicy.realm(URI.create("https://192.0.2.1"), "https://192.0.2.20/token", "pull").toString());
    assertEquals("http://127.0.0.1:5001/token",
        OriginPolicy.realm(URI.create("http://127.0.0.1:5000"), "http://127.0.0.1:5001/token", "pull").toString());
  }

  @Test
  void sameOrigin_needsSchemeHostAndPort() {
    URI origin = URI.create("https://192.0.2.1/v2/");
    assertTrue(OriginPolicy.sameOrigin(origin, URI.create("https://192.0.2.1:443/v2/x")));
    assertFalse(OriginPolicy.sameOrigin(origin, URI.create("http://192.0.2.1:443/v2/x")),
        "an https -> http redirect on the same authority keeps no credentials");
    assertFalse(OriginPolicy.sameOrigin(origin, URI.create("https://192.0.2.1:8443/v2/x")));
    assertFalse(OriginPolicy.sameOrigin(origin, URI.create("https://198.51.100.7/v2/x")));
  }

  @Test
  void tokenCacheKey_isAHashOfTheCredentials_notStringHashCode() {
    // "Aa" and "BB" share String.hashCode: the old key let one user's token serve the other.
    assertEquals("Aa".hashCode(), "BB".hashCode());
    String a = RegistryTokens.cacheKey("https://r", "repository:x:pull", Credentials.of("u", "Aa", "", "", ""));
    String b = RegistryTokens.cacheKey("https://r", "repository:x:pull", Credentials.of("u", "BB", "", "", ""));
    assertNotEquals(a, b);
    assertFalse(a.contains("Aa"), "the key holds no secret in the clear");
  }
}
