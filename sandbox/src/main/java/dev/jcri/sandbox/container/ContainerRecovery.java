package dev.jcri.sandbox.container;

import dev.jcri.common.FileTrees;
import dev.jcri.common.Log;
import dev.jcri.common.Mounts;
import dev.jcri.image.ImageService;
import dev.jcri.image.snapshot.Snapshot;
import dev.jcri.sandbox.runtime.ContainerRuntime;
import dev.jcri.sandbox.runtime.RuntimeHandlers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * What containers need at start-up: each record brought up to date with the exits conmon recorded while jcri
 * was down, and what creations cut short by a crash left removed. Records are written only once conmon reports
 * the container, so bundles (with a mounted rootfs, maybe a runtime container) and rootfs snapshots that no
 * record names go.
 */
final class ContainerRecovery {

  private static final Log LOG = Log.of(ContainerRecovery.class);

  private final ContainerStore store;
  private final ContainerExits exits;
  private final ImageService images;
  private final RuntimeHandlers runtimes;
  private final ContainerDirs dirs;

  ContainerRecovery(ContainerStore store, ContainerExits exits, ImageService images, RuntimeHandlers runtimes,
      ContainerDirs dirs) {
    this.store = store;
    this.exits = exits;
    this.images = images;
    this.runtimes = runtimes;
    this.dirs = dirs;
  }

  void recover() {
    store.list().forEach(c -> exits.refresh(c.id()));
    Set<String> known = new HashSet<>();
    store.list().forEach(c -> known.add(c.id()));
    try (var bundles = Files.list(dirs.containers())) {
      for (Path bundle : bundles.toList()) {
        String id = bundle.getFileName().toString();
        if (!known.contains(id)) {
          for (ContainerRuntime rt : runtimes.all()) {
            try {
              rt.delete(id);
            } catch (RuntimeException ignored) {
              // not this runtime's
            }
          }
          Mounts.detach(bundle.resolve("rootfs"));
          FileTrees.delete(bundle);
          LOG.info("removed an unfinished container", "id", id);
        }
      }
    } catch (IOException e) {
      LOG.warn("listing container bundles: " + e.getMessage());
    }
    // conmon's attach links of containers no record names, and console sockets of execs cut short.
    try (var links = Files.list(dirs.attach())) {
      for (Path link : links.toList()) {
        String name = link.getFileName().toString();
        if (name.startsWith("console-") || (name.matches("[a-f0-9]{64}") && !known.contains(name))) {
          Files.deleteIfExists(link);
        }
      }
    } catch (IOException e) {
      LOG.warn("listing attach links: " + e.getMessage());
    }
    for (var s : images.snapshots().list()) {
      String owner = s.kind() == Snapshot.Kind.ACTIVE ? ImageRootfs.containerIdOf(s.key()) : null;
      if (owner != null && !known.contains(owner)) {
        images.snapshots().remove(s.key());
      }
    }
  }
}
