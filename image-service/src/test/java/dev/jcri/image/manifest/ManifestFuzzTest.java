package dev.jcri.image.manifest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.UnimplementedException;
import dev.jcri.image.testing.FuzzInput;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Manifests and indexes as a registry could send them: each parses to exactly one reading (an index has
 * manifests and no config or layers; an image manifest the reverse) or is refused as INVALID_ARGUMENT or
 * UNIMPLEMENTED, with a short printable message that never quotes the body.
 */
class ManifestFuzzTest {

  static final String D = "\"sha256:" + "c".repeat(64) + "\"";
  static final List<String> PIECES = List.of("{", "}", "[", "]", ",", ":", "\"schemaVersion\":2",
      "\"schemaVersion\":1", "\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\"",
      "\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\"", "\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\"",
      "\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":" + D + ",\"size\":2}",
      "\"layers\":[]", "\"layers\":[{\"digest\":" + D + ",\"size\":5,\"urls\":[\"http://169.254.169.254\"]}]",
      "\"manifests\":[]", "\"manifests\":[{\"digest\":" + D + ",\"size\":1,\"platform\":{\"os\":\"linux\"}}]",
      "\"digest\":\"sha256:zz\"", "\"size\":-1", "SECRET-IN-BODY", "null", "1e999", "\"\\u0000\"");
  static final List<String> TYPES = List.of("", "application/json", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX,
      MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_SCHEMA1_SIGNED, "text/html; charset=utf-8");
  static final ObjectMapper JSON = new ObjectMapper();

  static void target(FuzzInput in) {
    byte[] body = in.bool() ? FuzzInput.joined(in, PIECES, 14).getBytes(StandardCharsets.UTF_8) : in.bytes(2000);
    String type = in.bool() ? in.pick(TYPES) : in.text(40);
    Manifest m;
    try {
      m = ManifestParser.parse(type, body, "fuzz");
    } catch (InvalidArgumentException | UnimplementedException refused) {
      String msg = refused.getMessage();
      assertTrue(msg.length() < 600, "a short message: " + msg.length());
      assertFalse(msg.contains("SECRET-IN-BODY"), "the body is not quoted: " + msg);
      return;
    }
    JsonNode root = readTree(body);
    if (m instanceof Manifest.Index) {
      assertTrue(root.has("manifests") && !root.has("config") && !root.has("layers"), "one reading: index");
    } else {
      assertTrue(root.has("config") && root.has("layers") && !root.has("manifests"), "one reading: manifest");
    }
  }

  private static JsonNode readTree(byte[] body) {
    try {
      return JSON.readTree(body);
    } catch (java.io.IOException e) {
      throw new AssertionError("parsed although not JSON", e);
    }
  }

  @FuzzTest(maxDuration = "2m")
  void fuzz(FuzzedDataProvider data) {
    target(FuzzInput.of(data));
  }

  @Test
  void randomInputs() {
    FuzzInput.runRandom(3000, 19, ManifestFuzzTest::target);
  }
}
