package dev.jcri.sandbox.container;

import dev.jcri.common.Log;
import dev.jcri.common.NotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Container exits, learned from the exit files conmon writes: a record is brought up to date when it is read,
 * and an inotify watch on the exit directory records exits as they happen, so events go out without a poll.
 * Record updates of one container's state go through here, one at a time.
 */
final class ContainerExits implements AutoCloseable {

  private static final Log LOG = Log.of(ContainerExits.class);

  private final ContainerStore store;
  private final ContainerDirs dirs;
  private final ContainerEvents events;
  private WatchService watcher;

  ContainerExits(ContainerStore store, ContainerDirs dirs, ContainerEvents events) {
    this.store = store;
    this.dirs = dirs;
    this.events = events;
  }

  /** Starts watching the exit directory. */
  void start() {
    try {
      watcher = FileSystems.getDefault().newWatchService();
      dirs.exits().register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
    } catch (IOException e) {
      throw new UncheckedIOException("watching " + dirs.exits(), e);
    }
    Thread.ofPlatform().name("exit-watch").daemon().start(this::watch);
  }

  /** Brings the record up to date with what conmon recorded: exit code, time, OOM. */
  ContainerRecord refresh(String id) {
    ContainerRecord c = store.find(id).orElseThrow(() -> new NotFoundException("container \"" + id + "\" not found"));
    if (c.state() == ContainerRecord.State.EXITED) {
      return c;
    }
    Path exit = dirs.exitFile(id);
    if (!Files.exists(exit)) {
      return c;
    }
    try {
      String content = Files.readString(exit).strip();
      if (content.isEmpty()) {
        return c;
      }
      int code = Integer.parseInt(content);
      Instant at = Files.getLastModifiedTime(exit).toInstant();
      boolean oom = Files.exists(dirs.bundle(id).resolve("oom"));
      String reason = oom ? "OOMKilled" : code == 0 ? "Completed" : "Error";
      long finished = Math.max(at.getEpochSecond() * 1_000_000_000L + at.getNano(), c.startedAt());
      ContainerRecord exited = c.exited(finished, code, reason, "");
      synchronized (this) {
        ContainerRecord now = store.find(id).orElse(null);
        if (now != null && now.state() != ContainerRecord.State.EXITED) {
          store.put(exited);
          events.publish(ContainerEvents.Type.STOPPED, id, c.podId(), exited.finishedAt());
          LOG.info("container exited", "id", id, "exit_code", code, "reason", reason);
        }
      }
      return exited;
    } catch (IOException | NumberFormatException e) {
      return c;
    }
  }

  /**
   * {@link #refresh} for many records (a list): the exit directory is read once, and only the running
   * containers with an exit file there are brought up to date, instead of one look-up per container (kubelet
   * lists every second).
   */
  List<ContainerRecord> refreshAll(List<ContainerRecord> records) {
    Set<String> exited = exitFiles();
    List<ContainerRecord> out = new ArrayList<>(records.size());
    for (ContainerRecord c : records) {
      boolean mayHaveExited = c.state() != ContainerRecord.State.EXITED && (exited == null || exited.contains(c.id()));
      out.add(mayHaveExited ? refresh(c.id()) : c);
    }
    return java.util.Collections.unmodifiableList(out);
  }

  /** The names in the exit directory, or null if it cannot be read (then each record is looked up alone). */
  private Set<String> exitFiles() {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dirs.exits())) {
      Set<String> names = new HashSet<>();
      files.forEach(f -> names.add(f.getFileName().toString()));
      return names;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Changes the stored record, one change at a time with exits recorded here. */
  synchronized void update(String id, UnaryOperator<ContainerRecord> change) {
    store.put(change.apply(store.get(id)));
  }

  /** Waits up to {@code millis} for the container to exit; says whether it did. */
  boolean awaitExit(String id, long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < deadline) {
      if (refresh(id).state() == ContainerRecord.State.EXITED) {
        return true;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return refresh(id).state() == ContainerRecord.State.EXITED;
  }

  private void watch() {
    while (true) {
      WatchKey key;
      try {
        key = watcher.take();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
      for (var event : key.pollEvents()) {
        if (event.context() instanceof Path p) {
          String id = p.getFileName().toString();
          if (id.matches("[a-f0-9]{64}")) {
            try {
              store.find(id).ifPresent(c -> refresh(id));
            } catch (RuntimeException e) {
              LOG.warn("reading an exit file failed", "id", id, "error", e.getMessage());
            }
          }
        }
      }
      key.reset();
    }
  }

  @Override
  public void close() throws IOException {
    if (watcher != null) {
      watcher.close();
    }
  }
}
