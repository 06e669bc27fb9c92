package dev.jcri.sandbox.pod;

import dev.jcri.common.FileTrees;
import dev.jcri.common.Log;
import dev.jcri.sandbox.cni.CniNetwork;
import dev.jcri.sandbox.ns.NamespaceKind;
import dev.jcri.sandbox.ns.NamespacePinner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * At start-up, removes what a pod creation cut short by a crash left behind: pod records are written only
 * once a pod is complete, so namespace pins, pod file directories (with their shm mount), cached CNI results
 * (torn down with DEL) and pod cgroups that no record names belong to no pod and go.
 */
public final class OrphanSweeper {

  private static final Log LOG = Log.of(OrphanSweeper.class);

  private OrphanSweeper() {}

  /** @return how many leftovers were removed */
  public static int sweep(PodSandboxManager pods, Path stateDir, Path cniResults, CniNetwork network) {
    Set<String> known = pods.list().stream().map(PodSandbox::id).collect(Collectors.toSet());
    int removed = 0;
    for (String id : ids(cniResults, ".json")) {
      if (!known.contains(id)) {
        try {
          network.del(id, new CniNetwork.PodRef(id, "", "", ""));
        } catch (RuntimeException e) {
          LOG.warn("tearing down the network of an unfinished pod failed", "pod", id, "error", e.getMessage());
        }
        removed++;
      }
    }
    for (NamespaceKind kind : NamespaceKind.values()) {
      for (String id : ids(stateDir.resolve(kind.pinDir()), "")) {
        if (!known.contains(id)) {
          NamespacePinner.unpin(stateDir.resolve(kind.pinDir()).resolve(id));
          removed++;
        }
      }
    }
    for (String id : ids(stateDir.resolve("pods"), "")) {
      if (!known.contains(id)) {
        PodFiles files = new PodFiles(stateDir.resolve("pods").resolve(id));
        files.unmountShm();
        FileTrees.delete(files.dir());
        try {
          pods.cgroups().remove(List.of(PodSandboxManager.DEFAULT_CGROUP_PARENT + "/pod-" + id));
        } catch (RuntimeException e) {
          LOG.warn("removing the cgroup of an unfinished pod failed", "pod", id, "error", e.getMessage());
        }
        removed++;
      }
    }
    if (removed > 0) {
      LOG.info("removed what unfinished pod creations left behind", "items", removed);
    }
    return removed;
  }

  private static List<String> ids(Path dir, String suffix) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(suffix))
          .map(n -> n.substring(0, n.length() - suffix.length()))
          .filter(n -> n.matches("[a-f0-9]{64}"))
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
