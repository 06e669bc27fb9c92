package dev.jcri.sandbox.pod;

import dev.jcri.common.FileTrees;
import dev.jcri.common.Log;
import dev.jcri.sandbox.cgroup.CgroupManager;
import dev.jcri.sandbox.cni.CniNetwork;
import dev.jcri.sandbox.cni.PodNetwork;
import dev.jcri.sandbox.ns.PodNamespaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What pods need at start-up: records brought in line with what is really there, and what creations cut short
 * by a crash left removed. Pod records are written only once a pod is complete, so infra processes, cached CNI
 * results (torn down with DEL), namespace pins, pod file directories (with their shm mount) and pod cgroups that
 * no record names belong to no pod and go.
 */
final class PodRecovery {

  private static final Log LOG = Log.of(PodRecovery.class);

  private final PodSandboxStore store;
  private final PodSandboxManager.Seams seams;
  private final Path podsDir;

  PodRecovery(PodSandboxStore store, PodSandboxManager.Seams seams, Path podsDir) {
    this.store = store;
    this.seams = seams;
    this.podsDir = podsDir;
  }

  /**
   * A pod listed READY whose namespace pins are gone (a stop cut short, a reboot) is NOTREADY, and forgets the
   * pins that are gone, so what is listed is what is there.
   */
  void reconcile() {
    for (PodSandbox pod : store.list()) {
      Map<String, String> present = new LinkedHashMap<>();
      pod.pins().forEach((kind, pin) -> {
        if (Files.exists(Path.of(pin))) {
          present.put(kind, pin);
        }
      });
      if (present.size() != pod.pins().size() && pod.state() == PodSandbox.State.READY) {
        LOG.info("pod sandbox lost its namespaces while jcri was down; it is NOTREADY", "id", pod.id());
        store.put(pod.withPins(present).withState(PodSandbox.State.NOTREADY));
      }
    }
  }

  /** @return how many leftovers were removed */
  int sweepUnfinished() {
    Set<String> known = store.list().stream().map(PodSandbox::id).collect(Collectors.toSet());
    int removed = 0;
    // The infra process first: it lives in the pod's cgroup, which goes last.
    for (String id : seams.infra().podIds()) {
      if (!known.contains(id)) {
        seams.infra().removeOrphan(id);
        removed++;
      }
    }
    PodNetwork network = seams.network();
    for (String id : network.recover()) {
      if (!known.contains(id)) {
        try {
          network.del(id, new CniNetwork.PodRef(id, "", "", ""));
        } catch (RuntimeException e) {
          LOG.warn("tearing down the network of an unfinished pod failed", "pod", id, "error", e.getMessage());
        }
        removed++;
      }
    }
    PodNamespaces namespaces = seams.namespaces();
    for (Map.Entry<String, List<Path>> pinned : namespaces.pinned().entrySet()) {
      if (!known.contains(pinned.getKey())) {
        pinned.getValue().forEach(namespaces::release);
        removed++;
      }
    }
    CgroupManager cgroups = seams.cgroups();
    for (String id : podDirs()) {
      if (!known.contains(id)) {
        PodFiles files = new PodFiles(podsDir.resolve(id), seams.shm());
        files.unmountShm();
        FileTrees.delete(files.dir());
        try {
          cgroups.remove(List.of(cgroups.podCgroup("", id)));
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

  private List<String> podDirs() {
    if (!Files.isDirectory(podsDir)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(podsDir)) {
      return dirs.map(p -> p.getFileName().toString()).filter(n -> n.matches("[a-f0-9]{64}")).toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
