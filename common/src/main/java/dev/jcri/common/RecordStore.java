package dev.jcri.common;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Records of one kind (pods, containers), one JSON file each named by id, written atomically, loaded at
 * start; with a name registrar: a record's reservation key is held from the start of its creation until
 * it is deleted, so a retry of the same create meets ALREADY_EXISTS naming the holder. Lookups take an id
 * or a unique id prefix. Records are versioned: fields a newer jcri added are ignored by an older one.
 */
public class RecordStore<T> {

  private static final ObjectMapper JSON = Json.RECORDS;

  private final Path dir;
  private final String kind;
  private final Function<T, String> idOf;
  private final Function<T, String> keyOf;
  private final Map<String, T> records = new LinkedHashMap<>();
  private final Map<String, String> names = new HashMap<>();
  private final Object[] fileLocks = new Object[64];

  /** How a record's bytes reach its file (tests hold a write there). */
  interface Disk {
    void write(Path file, byte[] content);
  }

  private final Disk disk;

  /** @param kind what the records are, for messages ("pod sandbox", "container") */
  protected RecordStore(Path dir, Class<T> type, String kind, Function<T, String> idOf, Function<T, String> keyOf) {
    this(dir, type, kind, idOf, keyOf, AtomicFiles::write);
  }

  RecordStore(Path dir, Class<T> type, String kind, Function<T, String> idOf, Function<T, String> keyOf,
      Disk disk) {
    this.disk = disk;
    this.dir = dir;
    this.kind = kind;
    this.idOf = idOf;
    this.keyOf = keyOf;
    for (int i = 0; i < fileLocks.length; i++) {
      fileLocks[i] = new Object();
    }
    try {
      Files.createDirectories(dir);
      AtomicFiles.sweepTemps(dir);
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
          T r = JSON.readValue(f.toFile(), type);
          records.put(idOf.apply(r), r);
          names.put(keyOf.apply(r), idOf.apply(r));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("loading " + kind + " records from " + dir, e);
    }
  }

  /** Reserves a name for {@code id}, or says who holds it. */
  public synchronized void reserve(String key, String id) {
    String holder = names.putIfAbsent(key, id);
    if (holder != null && !holder.equals(id)) {
      throw new AlreadyExistsException(kind + " name \"" + key + "\" is reserved by " + kind + " " + holder
          + " (being created or existing); remove it first, or use another attempt number");
    }
  }

  public synchronized void release(String key, String id) {
    names.remove(key, id);
  }

  /**
   * Writes {@code record} to disk (durably) and then shows it to lookups. The disk's part holds only the
   * record's own lock: lookups, lists and other records' writes do not wait for its fsyncs.
   */
  public void put(T record) {
    String id = idOf.apply(record);
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(record);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    synchronized (fileLock(id)) {
      disk.write(dir.resolve(id + ".json"), json);
      synchronized (this) {
        records.put(id, record);
      }
    }
  }

  public void delete(String id) {
    synchronized (fileLock(id)) {
      T r;
      synchronized (this) {
        r = records.remove(id);
      }
      try {
        Files.deleteIfExists(dir.resolve(id + ".json"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (r != null) {
        synchronized (this) {
          names.remove(keyOf.apply(r), id);
        }
      }
    }
  }

  /** The lock of {@code id}'s file: one of a fixed few, so writes of one record keep their order. */
  private Object fileLock(String id) {
    return fileLocks[Math.floorMod(id.hashCode(), fileLocks.length)];
  }

  /** Whether {@code s} is lower-case hexadecimal (every lookup asks, so no regular expression is compiled). */
  static boolean isHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return !s.isEmpty();
  }

  /** Finds a record by id or unique id prefix; ids are hexadecimal, anything else is refused. */
  public synchronized Optional<T> find(String idOrPrefix) {
    if (idOrPrefix.isEmpty()) {
      throw new InvalidArgumentException("a " + kind + " id is needed");
    }
    if (!isHex(idOrPrefix)) {
      throw new InvalidArgumentException(kind + " id \"" + abbreviate(idOrPrefix) + "\" is not hexadecimal");
    }
    T exact = records.get(idOrPrefix);
    if (exact != null) {
      return Optional.of(exact);
    }
    List<T> hits = records.values().stream().filter(r -> idOf.apply(r).startsWith(idOrPrefix)).toList();
    if (hits.size() > 1) {
      throw new InvalidArgumentException(kind + " id prefix \"" + idOrPrefix + "\" matches " + hits.size() + " "
          + kind + "s");
    }
    return hits.stream().findFirst();
  }

  /**
   * As {@link #find}, for the idempotent stop and remove: an id that is not hexadecimal cannot name a record,
   * so it finds nothing instead of being refused (kubelet and critest may stop or remove any id; only a call
   * that creates or reads something is refused a malformed one).
   */
  public Optional<T> findToEnd(String idOrPrefix) {
    if (idOrPrefix.isEmpty() || !isHex(idOrPrefix)) {
      return Optional.empty();
    }
    return find(idOrPrefix);
  }

  public T get(String idOrPrefix) {
    return find(idOrPrefix).orElseThrow(() -> new NotFoundException(kind + " \"" + abbreviate(idOrPrefix)
        + "\" not found"));
  }

  public synchronized List<T> list() {
    return new ArrayList<>(records.values());
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
