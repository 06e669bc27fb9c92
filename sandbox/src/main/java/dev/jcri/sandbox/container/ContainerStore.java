package dev.jcri.sandbox.container;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.common.AlreadyExistsException;
import dev.jcri.common.AtomicFiles;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.NotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** Container records, one JSON file each, written atomically, with the name registrar per pod. */
public final class ContainerStore {

  private static final ObjectMapper JSON = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Path dir;
  private final Map<String, ContainerRecord> containers = new LinkedHashMap<>();
  private final Map<String, String> names = new HashMap<>();

  public ContainerStore(Path dir) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
          ContainerRecord r = JSON.readValue(f.toFile(), ContainerRecord.class);
          containers.put(r.id(), r);
          names.put(r.reservationKey(), r.id());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("loading container records from " + dir, e);
    }
  }

  public synchronized void reserve(String key, String id) {
    String holder = names.putIfAbsent(key, id);
    if (holder != null && !holder.equals(id)) {
      throw new AlreadyExistsException("container name \"" + key + "\" is reserved by container " + holder
          + "; remove it first, or use another attempt number");
    }
  }

  public synchronized void release(String key, String id) {
    names.remove(key, id);
  }

  public synchronized void put(ContainerRecord r) {
    try {
      AtomicFiles.write(dir.resolve(r.id() + ".json"), JSON.writeValueAsBytes(r));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    containers.put(r.id(), r);
  }

  public synchronized void delete(String id) {
    ContainerRecord r = containers.remove(id);
    try {
      Files.deleteIfExists(dir.resolve(id + ".json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (r != null) {
      names.remove(r.reservationKey(), id);
    }
  }

  public synchronized Optional<ContainerRecord> find(String idOrPrefix) {
    if (idOrPrefix.isEmpty()) {
      throw new InvalidArgumentException("a container id is needed");
    }
    if (!idOrPrefix.matches("[a-f0-9]+")) {
      throw new InvalidArgumentException("container id \"" + (idOrPrefix.length() > 80
          ? idOrPrefix.substring(0, 80) + "..." : idOrPrefix) + "\" is not hexadecimal");
    }
    ContainerRecord exact = containers.get(idOrPrefix);
    if (exact != null) {
      return Optional.of(exact);
    }
    List<ContainerRecord> hits = containers.values().stream().filter(c -> c.id().startsWith(idOrPrefix)).toList();
    if (hits.size() > 1) {
      throw new InvalidArgumentException("container id prefix \"" + idOrPrefix + "\" matches " + hits.size()
          + " containers");
    }
    return hits.stream().findFirst();
  }

  public ContainerRecord get(String idOrPrefix) {
    return find(idOrPrefix).orElseThrow(() -> new NotFoundException("container \"" + idOrPrefix + "\" not found"));
  }

  public synchronized List<ContainerRecord> list() {
    return new ArrayList<>(containers.values());
  }
}
