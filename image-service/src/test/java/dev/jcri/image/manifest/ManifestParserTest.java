package dev.jcri.image.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.UnimplementedException;
import org.junit.jupiter.api.Test;

class ManifestParserTest {

  private static final String D = "sha256:" + "b".repeat(64);

  @Test
  void schema1_isRefusedWithAClearMessage() {
    String schema1 = "{\"schemaVersion\":1,\"name\":\"x\",\"tag\":\"y\",\"fsLayers\":[]}";
    UnimplementedException e = assertThrows(UnimplementedException.class, () -> ManifestParser.parse(
        "application/vnd.docker.distribution.manifest.v1+prettyjws", schema1.getBytes(), "x:y"));
    assertTrue(e.getMessage().contains("schema 1"), e.getMessage());
  }

  @Test
  void dockerManifestList_isAnIndexWithPlatforms() {
    String list = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST_LIST + "\",\"manifests\":["
        + "{\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",\"digest\":\"" + D + "\",\"size\":7,"
        + "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}}]}";
    Manifest.Index index = assertInstanceOf(Manifest.Index.class, ManifestParser.parse("", list.getBytes(), "x"));
    assertEquals(new Platform("linux", "arm", "v7"), index.manifests().getFirst().platform());
  }

  @Test
  void foreignLayer_keepsItsUrls() {
    String m = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",\"config\":{\"mediaType\":\""
        + MediaTypes.DOCKER_CONFIG + "\",\"digest\":\"" + D + "\",\"size\":2},\"layers\":[{\"mediaType\":\""
        + MediaTypes.DOCKER_FOREIGN_LAYER_GZIP + "\",\"digest\":\"" + D + "\",\"size\":3,\"urls\":[\"https://x/l\"]}]}";
    Manifest.Image image = assertInstanceOf(Manifest.Image.class, ManifestParser.parse("", m.getBytes(), "x"));
    assertEquals(java.util.List.of("https://x/l"), image.layers().getFirst().urls());
  }

  @Test
  void garbage_isInvalidArgument() {
    assertThrows(InvalidArgumentException.class, () -> ManifestParser.parse("", "<html>".getBytes(), "x"));
    assertThrows(InvalidArgumentException.class, () -> ManifestParser.parse("", "{\"schemaVersion\":2}".getBytes(), "x"));
  }

  @Test
  void platform_matching() {
    Platform amd64 = new Platform("linux", "amd64", "");
    assertTrue(amd64.runs(new Platform("linux", "amd64", "")));
    assertTrue(!amd64.runs(new Platform("linux", "arm64", "")));
    assertTrue(!amd64.runs(new Platform("windows", "amd64", "")));
    Platform arm64 = new Platform("linux", "arm64", "v8");
    assertTrue(arm64.runs(new Platform("linux", "arm64", "")));
  }

  static final String CONFIG = "{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + D + "\",\"size\":2}";

  @Test
  void indexAndManifestAtOnce_isRefused() {
    String both = "{\"schemaVersion\":2,\"config\":" + CONFIG + ",\"layers\":[],\"manifests\":[]}";
    for (String type : java.util.List.of("", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX)) {
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
          () -> ManifestParser.parse(type, both.getBytes(), "x"));
      assertTrue(e.getMessage().contains("ambiguous"), e.getMessage());
    }
  }

  @Test
  void declaredTypeAgainstServedType_isRefused() {
    String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":" + CONFIG
        + ",\"layers\":[]}";
    assertThrows(InvalidArgumentException.class, () -> ManifestParser.parse(MediaTypes.OCI_INDEX, manifest.getBytes(),
        "x"));
    // An index type over a document without manifests, and a manifest type over one with them.
    String indexTyped = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"config\":" + CONFIG
        + ",\"layers\":[]}";
    assertThrows(InvalidArgumentException.class, () -> ManifestParser.parse("", indexTyped.getBytes(), "x"));
    String manifestTyped = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"manifests\":[]}";
    assertThrows(InvalidArgumentException.class, () -> ManifestParser.parse("", manifestTyped.getBytes(), "x"));
    // A registry that serves as plain JSON is no contradiction.
    assertInstanceOf(Manifest.Image.class, ManifestParser.parse("application/json", manifest.getBytes(), "x"));
  }

  @Test
  void notJson_neverQuotesTheBody() {
    String secret = "<html>token=abcdef0123456789</html>";
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
        () -> ManifestParser.parse("text/html", secret.getBytes(), "x"));
    assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    assertTrue(!e.getMessage().contains("abcdef"), e.getMessage());
  }
}
