package dev.jcri.image.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Json;
import dev.jcri.image.ref.Digest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an image's config blob that running it needs: what the sandbox module reads to build a
 * container's process, plus the layers' DiffIDs.
 */
public record ImageConfig(
    String user,
    List<String> env,
    List<String> entrypoint,
    List<String> cmd,
    String workingDir,
    String stopSignal,
    List<String> volumes,
    List<String> exposedPorts,
    Map<String, String> labels,
    List<Digest> diffIds,
    Platform platform) {

  private static final ObjectMapper JSON = Json.PLAIN;

  public ImageConfig {
    env = List.copyOf(env);
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    volumes = List.copyOf(volumes);
    exposedPorts = List.copyOf(exposedPorts);
    labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    diffIds = List.copyOf(diffIds);
  }

  public static ImageConfig parse(byte[] json, String where) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new InvalidArgumentException("image config of " + where + " is not valid JSON" + Untrusted.at(e));
    }
    JsonNode c = root.path("config");
    List<Digest> diffIds = new ArrayList<>();
    for (JsonNode d : root.path("rootfs").path("diff_ids")) {
      diffIds.add(Digest.parse(d.asText()));
    }
    Map<String, String> labels = new LinkedHashMap<>();
    c.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
    return new ImageConfig(
        c.path("User").asText(""),
        strings(c.path("Env")),
        strings(c.path("Entrypoint")),
        strings(c.path("Cmd")),
        c.path("WorkingDir").asText(""),
        c.path("StopSignal").asText(""),
        keys(c.path("Volumes")),
        keys(c.path("ExposedPorts")),
        labels,
        diffIds,
        new Platform(root.path("os").asText(""), root.path("architecture").asText(""),
            root.path("variant").asText("")));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static List<String> keys(JsonNode object) {
    List<String> out = new ArrayList<>();
    object.properties().forEach(e -> out.add(e.getKey()));
    return out;
  }
}
