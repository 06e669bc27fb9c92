package dev.jcri.server;

import dev.jcri.common.Log;
import dev.jcri.common.OwnerOnly;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * jcri's two trees, made unreachable for the node's other users before anything is served, and tightened on
 * an install that an older jcri left looser (CVE-2021-41103 class: a local user running a setuid file of an
 * image layer, or reading a container's environment from its record).
 * <ul>
 *   <li>{@code root} (images, snapshots, records): 0700, every directory in it 0700, every record 0600.
 *   <li>{@code state}: 0711, searchable and not listable, for the socket's group and for user-namespaced pods.
 *       {@code containers}, {@code pods} and {@code infra} in it are 0711 too; each container bundle and pod
 *       directory in them is 0700, or 0710 to the pod's root group when the pod has a user namespace. The rest
 *       (namespace pins, exit files, attach sockets, runtime binaries) is 0700.
 * </ul>
 */
final class NodeDirs {

  private static final Log LOG = Log.of(NodeDirs.class);

  /** State directories searchable by others, whose entries each guard themselves. */
  static final List<String> SEARCHABLE_STATE = List.of("containers", "pods", "infra");
  /** State directories only jcri and its root helpers use. */
  static final List<String> PRIVATE_STATE = List.of("netns", "ipcns", "utsns", "userns", "exits", "attach",
      "runtimes");
  /** Record directories under root, whose files are 0600 (the image and snapshot stores' records too). */
  static final List<String> RECORD_DIRS = List.of("containers", "pods", "images", "snapshots/meta", "cni-results");

  private final Path root;
  private final Path state;

  NodeDirs(Path root, Path state) {
    this.root = root;
    this.state = state;
  }

  /** Creates both trees with their modes, and takes back what an older install gave away. */
  void secure() {
    OwnerOnly.dir(root);
    OwnerOnly.dir(state, OwnerOnly.SEARCHABLE);
    int tightened = tightenRoot();
    for (String d : SEARCHABLE_STATE) {
      OwnerOnly.dir(state.resolve(d), OwnerOnly.SEARCHABLE);
      for (Path entry : list(state.resolve(d))) {
        tightened += tightenEntry(entry);
      }
    }
    for (String d : PRIVATE_STATE) {
      OwnerOnly.dir(state.resolve(d));
    }
    if (tightened > 0) {
      LOG.info("took back access that other users of the node had to jcri's files", "paths", tightened,
          "root", root, "state", state);
    }
  }

  private int tightenRoot() {
    int n = 0;
    for (Path entry : list(root)) {
      n += tighten(entry, Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) ? OwnerOnly.DIR : OwnerOnly.FILE);
    }
    for (String d : RECORD_DIRS) {
      Path dir = root.resolve(d);
      n += tighten(dir, OwnerOnly.DIR);
      for (Path f : list(dir)) {
        if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
          n += tighten(f, OwnerOnly.FILE);
        }
      }
    }
    return n;
  }

  /**
   * A bundle or pod directory: 0700, or 0710 when an earlier start gave it to a pod's root group (its group is
   * then not root's); its config.json 0600.
   */
  private static int tightenEntry(Path entry) {
    if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
      return 0;
    }
    int n = tighten(entry, groupOf(entry) == 0 ? OwnerOnly.DIR : OwnerOnly.GROUP_SEARCHABLE);
    Path spec = entry.resolve("config.json");
    if (Files.isRegularFile(spec, LinkOption.NOFOLLOW_LINKS)) {
      n += tighten(spec, OwnerOnly.FILE);
    }
    return n;
  }

  /** Tightens {@code p} to at most {@code allowed} for group and others; 1 when that changed its mode. */
  private static int tighten(Path p, Set<PosixFilePermission> allowed) {
    return OwnerOnly.tighten(p, allowed) ? 1 : 0;
  }

  private static int groupOf(Path p) {
    try {
      return (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return 0;
    }
  }

  private static List<Path> list(Path dir) {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    } catch (IOException e) {
      throw new UncheckedIOException("listing " + dir, e);
    }
  }
}
