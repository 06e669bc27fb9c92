package dev.jcri.image.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.common.AtomicFiles;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Json;
import dev.jcri.image.ref.Digest;
import dev.jcri.image.ref.ImageReference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Image records by id, one JSON file each under {@code root}, written atomically; an in-memory index
 * answers lookups by id, id prefix, repo tag and repo digest. A tag names one image: tagging another moves it.
 */
public final class ImageStore {

  private static final ObjectMapper JSON = Json.RECORDS;
  private static final Pattern HEX_ID = Pattern.compile("(?:sha256:)?([a-f0-9]{12,64})");

  private final Path root;
  private final Map<String, ImageRecord> byId = new LinkedHashMap<>();

  public ImageStore(Path root) {
    this.root = root;
    try {
      Files.createDirectories(root);
      AtomicFiles.sweepTemps(root);
      try (Stream<Path> files = Files.list(root)) {
        for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
          ImageRecord r = JSON.readValue(f.toFile(), ImageRecord.class);
          byId.put(r.id(), r);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("loading image records from " + root, e);
    }
  }

  public synchronized List<ImageRecord> list() {
    return List.copyOf(byId.values());
  }

  public synchronized Optional<ImageRecord> byId(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /**
   * Finds the image a user names: its id (or a unique id prefix of 12+ hex digits), a repo tag, or a repo
   * digest. Short names are normalised ({@code busybox} is {@code docker.io/library/busybox:latest}).
   */
  public synchronized Optional<ImageRecord> resolve(String name) {
    var m = HEX_ID.matcher(name);
    if (m.matches()) {
      String hex = m.group(1);
      List<ImageRecord> hits = byId.values().stream().filter(r -> r.id().startsWith("sha256:" + hex)).toList();
      if (hits.size() == 1) {
        return Optional.of(hits.getFirst());
      }
      if (hits.size() > 1) {
        throw new InvalidArgumentException("image id prefix \"" + name + "\" matches " + hits.size() + " images");
      }
      if (name.startsWith("sha256:")) {
        return Optional.empty();
      }
    }
    ImageReference ref = ImageReference.parse(name);
    String wanted = ref.digest() != null ? ref.repository() + "@" + ref.digest() : ref.repoTag();
    return byId.values().stream()
        .filter(r -> ref.digest() != null ? r.repoDigests().contains(wanted) : r.repoTags().contains(wanted))
        .findFirst();
  }

  /**
   * Stores {@code record}, merging its names into an existing record of the same id; tags it takes are
   * removed from any other image. Returns the stored record.
   */
  public synchronized ImageRecord put(ImageRecord record) {
    ImageRecord existing = byId.get(record.id());
    ImageRecord merged = record;
    if (existing != null) {
      merged = existing.withNames(union(existing.repoTags(), record.repoTags()),
          union(existing.repoDigests(), record.repoDigests())).withPinned(existing.pinned() || record.pinned());
    }
    for (ImageRecord other : List.copyOf(byId.values())) {
      if (other.id().equals(record.id())) {
        continue;
      }
      List<String> tags = new ArrayList<>(other.repoTags());
      if (tags.removeAll(record.repoTags())) {
        write(other.withNames(tags, other.repoDigests()));
      }
    }
    write(merged);
    return merged;
  }

  /** Removes the record; its content is left to the collector. */
  public synchronized void remove(String id) {
    byId.remove(id);
    try {
      Files.deleteIfExists(file(id));
    } catch (IOException e) {
      throw new UncheckedIOException("removing image record " + id, e);
    }
  }

  /** Replaces a record's names (untagging one of several tags). */
  public synchronized void rename(String id, List<String> tags, List<String> digests) {
    ImageRecord r = byId.get(id);
    if (r != null) {
      write(r.withNames(tags, digests));
    }
  }

  private void write(ImageRecord r) {
    try {
      AtomicFiles.write(file(r.id()), JSON.writeValueAsBytes(r));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byId.put(r.id(), r);
  }

  private Path file(String id) {
    return root.resolve(Digest.parse(id).hex() + ".json");
  }

  private static List<String> union(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    b.stream().filter(x -> !out.contains(x)).forEach(out::add);
    return out;
  }
}
