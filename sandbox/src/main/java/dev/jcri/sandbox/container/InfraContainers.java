package dev.jcri.sandbox.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.Log;
import dev.jcri.common.OwnerOnly;
import dev.jcri.sandbox.oci.OciSpec;
import dev.jcri.sandbox.pod.PodSandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The infra process of a pod whose containers share one PID namespace: the host's catatonit, bind-mounted
 * read-only into an empty root, run as PID 1 of the pod's PID namespace in the pod's other namespaces. It is
 * started while RunPodSandbox sets up a sharing pod's network (and again by a container creation that finds
 * it gone); pods that do not share PIDs run no infra at all, and no pause image is pulled. Each pod has its
 * own lock, so pods starting together do not wait for each other's infra.
 */
final class InfraContainers {

  private static final Log LOG = Log.of(InfraContainers.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Path CATATONIT = Path.of("/usr/bin/catatonit");

  private final Path dir;
  private final ConcurrentHashMap<String, Object> locks =
      new ConcurrentHashMap<>();

  InfraContainers(Path dir) {
    this.dir = dir;
  }

  private Object lock(String podId) {
    return locks.computeIfAbsent(podId, k -> new Object());
  }

  /** Pods that have an infra bundle, for the sweep of what crashed creations left. */
  List<String> podIds() {
    try (var bundles = Files.list(dir)) {
      return bundles.map(b -> b.getFileName().toString()).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  static String containerId(String podId) {
    return "infra-" + podId;
  }

  int ensure(PodSandbox pod, OciRuntime runtime) {
    return ensure(pod.id(), pod.pins(), pod.cgroupPath(),
        pod.spec().userns() == null ? null : pod.spec().userns().hostRootGid(), runtime);
  }

  /** The pid of the pod's infra process, starting it when it does not run yet. */
  int ensure(String podId, Map<String, String> pins, String cgroupPath, Long userNsRootGid, OciRuntime runtime) {
    synchronized (lock(podId)) {
      return ensureLocked(podId, pins, cgroupPath, userNsRootGid, runtime);
    }
  }

  private int ensureLocked(String podId, Map<String, String> pins, String cgroupPath, Long userNsRootGid,
      OciRuntime runtime) {
    Path bundle = dir.resolve(podId);
    Path pidFile = bundle.resolve("pid");
    try {
      if (Files.exists(pidFile)) {
        int pid = Integer.parseInt(Files.readString(pidFile).strip());
        if (Files.exists(Path.of("/proc/" + pid))) {
          return pid;
        }
        runtime.delete(containerId(podId));
      }
      if (!Files.isExecutable(CATATONIT)) {
        throw new FailedPreconditionException("the pod shares one PID namespace, which needs " + CATATONIT
            + " as its infra process (apt-get install catatonit)");
      }
      // The bundle is jcri's alone, unless the pod has a user namespace: its infra runs as the pod's root, an
      // unprivileged uid of the node, which must reach the root and open the mount points in it.
      Path rootfs = bundle.resolve("rootfs");
      OwnerOnly.dir(dir, OwnerOnly.SEARCHABLE);
      for (Path d : List.of(bundle, rootfs, rootfs.resolve("proc"), rootfs.resolve("dev"))) {
        OwnerOnly.dir(d);
        if (userNsRootGid != null) {
          OwnerOnly.shareWithGroup(d, userNsRootGid, d.equals(bundle)
              ? OwnerOnly.GROUP_SEARCHABLE : OwnerOnly.GROUP_READABLE);
        }
      }
      if (!Files.exists(rootfs.resolve("catatonit"))) {
        Files.createFile(rootfs.resolve("catatonit"), PosixFilePermissions.asFileAttribute(
            OwnerOnly.FILE));
      }
      List<OciSpec.Namespace> ns = new ArrayList<>(List.of(new OciSpec.Namespace("mount", null),
          new OciSpec.Namespace("pid", null)));
      pins.forEach((kind, path) -> ns.add(new OciSpec.Namespace(kind.equals("net") ? "network" : kind, path)));
      OciSpec spec = new OciSpec(OciSpec.VERSION,
          new OciSpec.Process(false, new OciSpec.User(0, 0, List.of()), List.of("/catatonit", "-P"),
              List.of("PATH=/"), "/", null, List.of(), true, null),
          new OciSpec.Root(rootfs.toString(), true), null,
          List.of(new OciSpec.Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")),
              new OciSpec.Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "noexec", "mode=755", "size=64k")),
              new OciSpec.Mount("/catatonit", "bind", CATATONIT.toString(), List.of("rbind", "ro", "rprivate"))),
          new OciSpec.Linux(ns, cgroupPath + "/infra", null, Map.of(), List.of(), List.of(), null, List.of(),
              null),
          Map.of());
      OwnerOnly.write(bundle.resolve("config.json"), JSON.writeValueAsBytes(spec));
      int pid;
      try {
        pid = runtime.runDetached(containerId(podId), bundle);
      } catch (RuntimeException e) {
        try {
          runtime.delete(containerId(podId));
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
        ContainerManager.deleteTree(bundle);
        throw e;
      }
      Files.writeString(pidFile, Integer.toString(pid));
      LOG.info("pod infra process started", "pod", podId, "pid", pid);
      return pid;
    } catch (IOException e) {
      throw new UncheckedIOException("starting the infra process of pod " + podId, e);
    }
  }

  void stop(String podId, OciRuntime runtime) {
    synchronized (lock(podId)) {
      if (runtime != null && Files.exists(dir.resolve(podId))) {
        runtime.kill(containerId(podId), "SIGKILL");
      }
    }
  }

  /** Removes the infra of a pod that was never recorded, whichever runtime ran it. */
  void removeOrphan(String podId, Collection<OciRuntime> runtimes) {
    for (OciRuntime rt : runtimes) {
      try {
        rt.delete(containerId(podId));
      } catch (RuntimeException e) {
        LOG.warn("removing an unfinished pod's infra process failed", "pod", podId, "error", e.getMessage());
      }
    }
    remove(podId, null);
    LOG.info("removed the infra process of an unfinished pod", "pod", podId);
  }

  void remove(String podId, OciRuntime runtime) {
    synchronized (lock(podId)) {
      Path bundle = dir.resolve(podId);
      if (Files.exists(bundle)) {
        if (runtime != null) {
          runtime.delete(containerId(podId));
        }
        ContainerManager.deleteTree(bundle);
      }
    }
    locks.remove(podId);
  }
}
