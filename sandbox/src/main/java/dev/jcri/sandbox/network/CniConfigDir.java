package dev.jcri.sandbox.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.common.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The CNI network configuration directory. As kubelet-era runtimes do, the first usable file by name wins:
 * a {@code .conflist} with a name and at least one plugin, or a single-plugin {@code .conf}/{@code .json}.
 */
public final class CniConfigDir {

  private static final ObjectMapper JSON = Json.PLAIN;

  private final Path dir;

  public CniConfigDir(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /** The result of looking for a network config: the file chosen, or why there is none. */
  public record Lookup(Path file, String networkName, String problem) {
    public boolean ready() {
      return file != null;
    }
  }

  public Lookup lookup() {
    if (!Files.isDirectory(dir)) {
      return new Lookup(null, null, "the CNI config directory " + dir + " does not exist");
    }
    List<Path> candidates;
    try (Stream<Path> files = Files.list(dir)) {
      candidates = files.filter(CniConfigDir::isConfigName).sorted().toList();
    } catch (IOException e) {
      return new Lookup(null, null, "cannot list " + dir + ": " + e.getMessage());
    }
    List<String> rejected = new ArrayList<>();
    for (Path file : candidates) {
      try {
        JsonNode conf = JSON.readTree(file.toFile());
        String name = conf.path("name").asText("");
        boolean list = file.getFileName().toString().endsWith(".conflist");
        boolean usable = list
            ? !name.isEmpty() && conf.path("plugins").isArray() && !conf.path("plugins").isEmpty()
            : !conf.path("type").asText("").isEmpty();
        if (usable) {
          return new Lookup(file, name, null);
        }
        rejected.add(file.getFileName() + (list ? " (no name or no plugins)" : " (no type)"));
      } catch (IOException e) {
        rejected.add(file.getFileName() + " (not valid JSON)");
      }
    }
    String why = "no CNI network config in " + dir
        + (rejected.isEmpty() ? "" : "; skipped " + String.join(", ", rejected));
    return new Lookup(null, null, why);
  }

  private static boolean isConfigName(Path p) {
    String n = p.getFileName().toString();
    return (n.endsWith(".conflist") || n.endsWith(".conf") || n.endsWith(".json")) && Files.isRegularFile(p);
  }
}
