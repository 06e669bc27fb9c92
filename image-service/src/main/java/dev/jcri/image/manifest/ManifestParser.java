package dev.jcri.image.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Json;
import dev.jcri.common.UnimplementedException;
import dev.jcri.image.ref.Digest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads Docker schema 2 and OCI manifests and indexes; refuses schema 1 with a clear message. */
public final class ManifestParser {

  private static final ObjectMapper JSON = Json.PLAIN;
  /** The manifest and index media types jcri asks for: a Content-Type among them is the registry's word. */
  private static final Set<String> KNOWN = Set.of(MediaTypes.OCI_INDEX,
      MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.OCI_MANIFEST, MediaTypes.DOCKER_MANIFEST);

  private ManifestParser() {}

  /**
   * @param contentType the Content-Type the registry sent (may be empty; the body's mediaType then decides)
   * @param where names the manifest in errors
   */
  public static Manifest parse(String contentType, byte[] body, String where) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      throw new InvalidArgumentException("manifest of " + where + " is not valid JSON" + Untrusted.at(e));
    }
    if (root == null || !root.isObject()) {
      throw new InvalidArgumentException("manifest of " + where + " is not a JSON object");
    }
    String bodyType = root.path("mediaType").asText("");
    String headerType = contentType == null ? ""
        : (contentType.indexOf(';') < 0 ? contentType : contentType.substring(0, contentType.indexOf(';'))).strip();
    String type = bodyType.isEmpty() ? headerType : bodyType;
    if (root.path("schemaVersion").asInt() == 1 || type.equals(MediaTypes.DOCKER_SCHEMA1)
        || type.equals(MediaTypes.DOCKER_SCHEMA1_SIGNED)) {
      throw new UnimplementedException("image " + where + " uses Docker manifest schema 1, which jcri does not"
          + " pull (deprecated since 2017, removed from Docker and containerd); rebuild or re-push the image");
    }
    // CVE-2021-41190: a document that reads as an index and as an image manifest, or whose declared type
    // disagrees with what the registry served it as, may be read differently by two parties; refused.
    boolean hasManifests = root.has("manifests");
    boolean hasImageParts = root.has("config") || root.has("layers");
    if (hasManifests && hasImageParts) {
      throw new InvalidArgumentException("manifest of " + where + " has both \"manifests\" (an index) and"
          + " \"config\"/\"layers\" (an image manifest); ambiguous documents are refused");
    }
    if (!bodyType.isEmpty() && KNOWN.contains(headerType) && !bodyType.equals(headerType)) {
      throw new InvalidArgumentException("manifest of " + where + " says it has " + MediaTypes.describe(bodyType)
          + " but the registry served it as " + headerType + "; refused");
    }
    boolean index = type.equals(MediaTypes.OCI_INDEX) || type.equals(MediaTypes.DOCKER_MANIFEST_LIST)
        || (type.isEmpty() || type.equals("application/json")) && hasManifests;
    if (index != hasManifests) {
      throw new InvalidArgumentException("manifest of " + where + " (" + MediaTypes.describe(type) + ") "
          + (index ? "has no \"manifests\"" : "lists \"manifests\" as only an index does") + "; refused");
    }
    if (index) {
      List<Descriptor> manifests = new ArrayList<>();
      for (JsonNode m : root.path("manifests")) {
        manifests.add(descriptor(m, where));
      }
      return new Manifest.Index(manifests);
    }
    if (!root.has("config") || !root.path("layers").isArray()) {
      throw new InvalidArgumentException("manifest of " + where + " (" + MediaTypes.describe(type)
          + ") is neither an image manifest nor an index");
    }
    List<Descriptor> layers = new ArrayList<>();
    for (JsonNode l : root.path("layers")) {
      layers.add(descriptor(l, where));
    }
    return new Manifest.Image(descriptor(root.path("config"), where), layers);
  }

  private static Descriptor descriptor(JsonNode n, String where) {
    Digest digest;
    try {
      digest = Digest.parse(n.path("digest").asText(""));
    } catch (InvalidArgumentException e) {
      throw new InvalidArgumentException("manifest of " + where + " has a descriptor whose digest is not"
          + " <algorithm>:<hex>");
    }
    long size = n.path("size").asLong(-1);
    if (size < 0) {
      throw new InvalidArgumentException("manifest of " + where + " gives no size for " + digest);
    }
    List<String> urls = new ArrayList<>();
    n.path("urls").forEach(u -> urls.add(u.asText()));
    Platform platform = null;
    JsonNode p = n.path("platform");
    if (p.isObject()) {
      platform = new Platform(p.path("os").asText(""), p.path("architecture").asText(""),
          p.path("variant").asText(""));
    }
    return new Descriptor(n.path("mediaType").asText(""), digest, size, urls, platform);
  }
}
