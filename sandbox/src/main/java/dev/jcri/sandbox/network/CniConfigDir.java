package dev.jcri.sandbox.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.common.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The CNI network configuration directory. As kubelet-era runtimes do, the first usable file by name wins:
 * a {@code .conflist} with a name and at least one plugin, or a single-plugin {@code .conf}/{@code .json}.
 *
 * <p>kubelet asks for the network's state every few seconds (Status) and every pod start looks the network up:
 * the answer is kept with the stamps (modification time, size, inode) of the directory and of every file read,
 * and found again only when one of them changed. A file added, removed or renamed changes the directory's
 * stamp; a file written in place changes its own.
 */
public final class CniConfigDir {

  private static final ObjectMapper JSON = Json.PLAIN;

  private final Path dir;
  private volatile Found found;
  private int reads; // files parsed, for the tests

  public CniConfigDir(Path dir) {
    this.dir = dir;
  }

  /** A lookup's answer with the stamps it rests on: the directory's first, then each file read. */
  private record Found(Lookup lookup, List<Path> paths, List<Object> stamps) {
    boolean current() {
      for (int i = 0; i < paths.size(); i++) {
        if (!stamps.get(i).equals(stamp(paths.get(i)))) {
          return false;
        }
      }
      return true;
    }
  }

  private static Object stamp(Path path) {
    try {
      BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
      return List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()));
    } catch (IOException e) {
      return "absent";
    }
  }

  int reads() {
    return reads;
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
    Found last = found;
    if (last != null && last.current()) {
      return last.lookup();
    }
    List<Path> paths = new ArrayList<>();
    List<Object> stamps = new ArrayList<>();
    paths.add(dir);
    stamps.add(stamp(dir));
    Lookup lookup = find(paths, stamps);
    found = new Found(lookup, List.copyOf(paths), List.copyOf(stamps));
    return lookup;
  }

  /** Looks the directory over, noting the stamp of each file before it is read. */
  private Lookup find(List<Path> paths, List<Object> stamps) {
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
      paths.add(file);
      stamps.add(stamp(file));
      reads++;
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
