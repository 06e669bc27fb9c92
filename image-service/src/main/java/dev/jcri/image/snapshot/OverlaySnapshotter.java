package dev.jcri.image.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.jna.LastErrorException;
import dev.jcri.common.AlreadyExistsException;
import dev.jcri.common.AtomicFiles;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.FileTrees;
import dev.jcri.common.IdmappedMounts;
import dev.jcri.common.Json;
import dev.jcri.common.Libc;
import dev.jcri.common.Log;
import dev.jcri.common.NotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Overlay snapshots under {@code root}: {@code <id>/fs} holds a layer's files, {@code <id>/work} the work dir
 * of an active one, {@code meta/<id>.json} the record (written atomically; the record is written before the
 * directory is used and removed after it is gone, so a crash leaves at worst a record without a tree, which
 * start-up removes). Short numeric ids keep the overlay mount options small.
 */
public final class OverlaySnapshotter {

  private static final Log LOG = Log.of(OverlaySnapshotter.class);
  private static final ObjectMapper JSON = Json.RECORDS;

  private final Path root;
  private final Path meta;
  private final Map<Long, Snapshot> byId = new HashMap<>();
  private final Map<String, Long> byName = new HashMap<>();
  private final Map<String, Long> byKey = new HashMap<>();
  private final AtomicLong nextId = new AtomicLong(1);

  public OverlaySnapshotter(Path root) {
    this.root = root;
    this.meta = root.resolve("meta");
    try {
      Files.createDirectories(meta);
      AtomicFiles.sweepTemps(meta);
      load();
    } catch (IOException e) {
      throw new UncheckedIOException("opening the snapshot store " + root, e);
    }
  }

  private void load() throws IOException {
    try (Stream<Path> files = Files.list(meta)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
        Snapshot s = JSON.readValue(f.toFile(), Snapshot.class);
        byId.put(s.id(), s);
        nextId.accumulateAndGet(s.id() + 1, Math::max);
        if (s.kind() == Snapshot.Kind.COMMITTED) {
          byName.put(s.name(), s.id());
        } else {
          byKey.put(s.key(), s.id());
        }
      }
    }
    // Directories without a record are what a crash between mkdir and the record's write left.
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path d : dirs.filter(p -> p.getFileName().toString().matches("[0-9]+")).toList()) {
        if (!byId.containsKey(Long.parseLong(d.getFileName().toString()))) {
          deleteTree(d);
        }
      }
    }
  }

  /** Creates an active snapshot under {@code key} on top of the committed snapshot {@code parentName} (or none). */
  public synchronized Snapshot prepare(String key, String parentName) {
    if (byKey.containsKey(key)) {
      throw new AlreadyExistsException("snapshot key \"" + key + "\" is in use");
    }
    long parent = 0;
    if (parentName != null) {
      parent = committedId(parentName);
    }
    Snapshot s = new Snapshot(nextId.getAndIncrement(), Snapshot.Kind.ACTIVE, key, null, parent, Instant.now());
    writeRecord(s);
    try {
      Files.createDirectories(fs(s.id()));
      Files.createDirectories(work(s.id()));
    } catch (IOException e) {
      removeRecord(s);
      throw new UncheckedIOException("creating snapshot " + key, e);
    }
    byId.put(s.id(), s);
    byKey.put(key, s.id());
    return s;
  }

  /** Turns the active snapshot {@code key} into the committed, read-only layer {@code name}. */
  public synchronized Snapshot commit(String name, String key) {
    return commit(name, key, null);
  }

  /**
   * Turns the active snapshot {@code key} into the committed layer {@code name} on top of the committed
   * {@code parentName} (or, when null, the parent it was prepared on): a layer can be unpacked before the
   * one below it is committed, and committed after it.
   */
  public synchronized Snapshot commit(String name, String key, String parentName) {
    if (byName.containsKey(name)) {
      throw new AlreadyExistsException("snapshot \"" + name + "\" is committed already");
    }
    Snapshot active = active(key);
    Snapshot committed = active.committedAs(name);
    if (parentName != null) {
      committed = committed.withParent(committedId(parentName));
    }
    writeRecord(committed);
    try {
      deleteTree(work(active.id()));
    } catch (IOException e) {
      LOG.warn("could not remove the work dir of a committed snapshot", "name", name, "error", e.getMessage());
    }
    byKey.remove(key);
    byId.put(committed.id(), committed);
    byName.put(name, committed.id());
    return committed;
  }

  public synchronized Optional<Snapshot> committed(String name) {
    Long id = byName.get(name);
    return id == null ? Optional.empty() : Optional.of(byId.get(id));
  }

  public synchronized Optional<Snapshot> activeSnapshot(String key) {
    Long id = byKey.get(key);
    return id == null ? Optional.empty() : Optional.of(byId.get(id));
  }

  public synchronized List<Snapshot> list() {
    return List.copyOf(byId.values());
  }

  /** The directory holding the files of a snapshot (for unpacking a layer into an active one). */
  public Path fs(long id) {
    return root.resolve(Long.toString(id)).resolve("fs");
  }

  private Path work(long id) {
    return root.resolve(Long.toString(id)).resolve("work");
  }

  /** The layer directories below {@code s}, nearest first. */
  public synchronized List<Path> lowerDirs(Snapshot s) {
    List<Path> lowers = new ArrayList<>();
    for (long p = s.parent(); p != 0; p = byId.get(p).parent()) {
      lowers.add(fs(p));
    }
    return lowers;
  }

  /**
   * Mounts the active snapshot {@code key} at {@code target} for a pod with its own user namespace (pinned at
   * {@code userns}, its root being {@code hostUid}:{@code hostGid} on the node): the overlay is built on
   * idmapped mounts of the image's layers, so their root-owned files are root's inside the pod, over a plain
   * upper directory owned by the pod's root (new files and copy-ups are stored with the pod's ids, which the
   * kernel maps). The idmapped mounts are detached once the overlay holds them.
   */
  public void mount(String key, Path target, Path userns, long hostUid, long hostGid) {
    if (userns == null) {
      mount(key, target);
      return;
    }
    Snapshot s = active(key);
    List<Path> lowers = lowerDirs(s);
    Path scratch = root.resolve(Long.toString(s.id())).resolve("idmap");
    List<Path> attached = new ArrayList<>();
    int fd = Libc.INSTANCE.open(userns.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
    try {
      Files.createDirectories(scratch);
      List<Path> mappedLowers = new ArrayList<>();
      for (int i = 0; i < lowers.size(); i++) {
        Path at = Files.createDirectories(scratch.resolve("l" + i));
        IdmappedMounts.bind(lowers.get(i), at, fd);
        attached.add(at);
        mappedLowers.add(at);
      }
      Libc.INSTANCE.lchown(fs(s.id()).toString(), (int) hostUid, (int) hostGid);
      if (mappedLowers.isEmpty()) {
        Libc.INSTANCE.mount(fs(s.id()).toString(), target.toString(), null, Libc.MS_BIND, null);
      } else {
        OverlayMounter.mount(mappedLowers, fs(s.id()), work(s.id()), target);
      }
    } catch (IOException e) {
      throw new FailedPreconditionException("preparing idmapped layers of " + key + ": " + e.getMessage(), e);
    } finally {
      Libc.INSTANCE.close(fd);
      for (Path p : attached) {
        try {
          Libc.INSTANCE.umount2(p.toString(), Libc.MNT_DETACH);
        } catch (LastErrorException ignored) {
          // already gone
        }
      }
      // Never a recursive delete here: a mount point that failed to detach would take a layer with it.
      for (Path p : attached) {
        deleteEmpty(p);
      }
      deleteEmpty(scratch);
    }
  }

  private static void deleteEmpty(Path dir) {
    try {
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // not empty (still mounted) or gone; removing the snapshot takes it
    }
  }

  /** Mounts the active snapshot {@code key} at {@code target}: an overlay, or a bind of a parentless one. */
  public void mount(String key, Path target) {
    Snapshot s = active(key);
    List<Path> lowers = lowerDirs(s);
    if (lowers.isEmpty()) {
      try {
        Libc.INSTANCE.mount(fs(s.id()).toString(), target.toString(), null, Libc.MS_BIND, null);
      } catch (LastErrorException e) {
        throw new FailedPreconditionException("bind-mounting snapshot " + key + " at " + target + " failed: "
            + Libc.describe(e), e);
      }
      return;
    }
    OverlayMounter.mount(lowers, fs(s.id()), work(s.id()), target);
  }

  /** Removes a snapshot by active key or committed name; one with children is refused. Missing is fine. */
  public synchronized void remove(String keyOrName) {
    Long id = byKey.containsKey(keyOrName) ? byKey.get(keyOrName) : byName.get(keyOrName);
    if (id == null) {
      return;
    }
    Snapshot s = byId.get(id);
    boolean hasChildren = byId.values().stream().anyMatch(o -> o.parent() == s.id());
    if (hasChildren) {
      throw new FailedPreconditionException("snapshot \"" + keyOrName + "\" has snapshots on top of it");
    }
    try {
      deleteTree(root.resolve(Long.toString(s.id())));
    } catch (IOException e) {
      throw new UncheckedIOException("removing snapshot " + keyOrName, e);
    }
    removeRecord(s);
    byId.remove(s.id());
    if (s.kind() == Snapshot.Kind.COMMITTED) {
      byName.remove(s.name());
    } else {
      byKey.remove(s.key());
    }
  }

  private long committedId(String name) {
    Long id = byName.get(name);
    if (id == null) {
      throw new NotFoundException("no committed snapshot \"" + name + "\"");
    }
    return id;
  }

  private Snapshot active(String key) {
    Long id = byKey.get(key);
    if (id == null) {
      throw new NotFoundException("no active snapshot \"" + key + "\"");
    }
    return byId.get(id);
  }

  private void writeRecord(Snapshot s) {
    try {
      AtomicFiles.write(meta.resolve(s.id() + ".json"), JSON.writeValueAsBytes(s));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void removeRecord(Snapshot s) {
    try {
      Files.deleteIfExists(meta.resolve(s.id() + ".json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    try {
      FileTrees.delete(dir);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
