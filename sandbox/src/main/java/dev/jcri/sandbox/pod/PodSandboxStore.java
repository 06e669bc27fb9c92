package dev.jcri.sandbox.pod;

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

/**
 * Pod records (one JSON file each, written atomically) and the name registrar: a pod's reservation key is
 * held from the start of RunPodSandbox until the pod is removed, so a retry of the same pod meets
 * ALREADY_EXISTS naming the holder.
 */
public final class PodSandboxStore {

  /** Records are versioned; fields a newer jcri added are ignored by an older one. */
  private static final ObjectMapper JSON = new ObjectMapper()
      .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Path dir;
  private final Map<String, PodSandbox> pods = new LinkedHashMap<>();
  private final Map<String, String> names = new HashMap<>();

  public PodSandboxStore(Path dir) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
          PodSandbox p = JSON.readValue(f.toFile(), PodSandbox.class);
          pods.put(p.id(), p);
          names.put(p.spec().reservationKey(), p.id());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("loading pod records from " + dir, e);
    }
  }

  /** Reserves the pod's name for {@code id}, or says who holds it. */
  public synchronized void reserve(String key, String id) {
    String holder = names.putIfAbsent(key, id);
    if (holder != null && !holder.equals(id)) {
      throw new AlreadyExistsException("pod name \"" + key + "\" is reserved by pod " + holder
          + " (being created or existing); remove it first, or use another attempt number");
    }
  }

  public synchronized void release(String key, String id) {
    names.remove(key, id);
  }

  public synchronized void put(PodSandbox pod) {
    try {
      AtomicFiles.write(dir.resolve(pod.id() + ".json"), JSON.writeValueAsBytes(pod));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    pods.put(pod.id(), pod);
  }

  public synchronized void delete(String id) {
    PodSandbox p = pods.remove(id);
    try {
      Files.deleteIfExists(dir.resolve(id + ".json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (p != null) {
      names.remove(p.spec().reservationKey(), id);
    }
  }

  /** Finds a pod by id or unique id prefix. */
  public synchronized Optional<PodSandbox> find(String idOrPrefix) {
    if (idOrPrefix.isEmpty() || !idOrPrefix.matches("[a-f0-9]+")) {
      if (idOrPrefix.isEmpty()) {
        throw new InvalidArgumentException("a pod sandbox id is needed");
      }
      throw new InvalidArgumentException("pod sandbox id \"" + abbreviate(idOrPrefix) + "\" is not hexadecimal");
    }
    PodSandbox exact = pods.get(idOrPrefix);
    if (exact != null) {
      return Optional.of(exact);
    }
    List<PodSandbox> hits = pods.values().stream().filter(p -> p.id().startsWith(idOrPrefix)).toList();
    if (hits.size() > 1) {
      throw new InvalidArgumentException("pod sandbox id prefix \"" + idOrPrefix + "\" matches " + hits.size() + " pods");
    }
    return hits.stream().findFirst();
  }

  public PodSandbox get(String idOrPrefix) {
    return find(idOrPrefix).orElseThrow(() -> new NotFoundException("pod sandbox \"" + abbreviate(idOrPrefix)
        + "\" not found"));
  }

  public synchronized List<PodSandbox> list() {
    return new ArrayList<>(pods.values());
  }

  static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
