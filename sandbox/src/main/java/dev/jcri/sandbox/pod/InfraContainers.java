package dev.jcri.sandbox.pod;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.common.ChildReaper;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.FileTrees;
import dev.jcri.common.Json;
import dev.jcri.common.Log;
import dev.jcri.common.OwnerOnly;
import dev.jcri.sandbox.oci.OciSpec;
import dev.jcri.sandbox.runtime.ContainerRuntime;
import dev.jcri.sandbox.runtime.RuntimeHandlers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The infra process of a pod whose containers share one PID namespace: the host's catatonit, bind-mounted
 * read-only into an empty root, run as PID 1 of the pod's PID namespace in the pod's other namespaces. It is
 * started while RunPodSandbox sets up a sharing pod's network (and again by a container creation that finds
 * it gone); pods that do not share PIDs run no infra at all, and no pause image is pulled. Each pod has its
 * own lock, so pods starting together do not wait for each other's infra.
 */
public final class InfraContainers implements PodInfra {

  private static final Log LOG = Log.of(InfraContainers.class);
  private static final ObjectMapper JSON = Json.PLAIN;
  static final Path CATATONIT = Path.of("/usr/bin/catatonit");
  private static final java.time.Duration REAP_WAIT = java.time.Duration.ofSeconds(2);

  private final Path dir;
  private final RuntimeHandlers runtimes;
  private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

  public InfraContainers(Path dir, RuntimeHandlers runtimes) {
    this.dir = dir;
    this.runtimes = runtimes;
  }

  private Object lock(String podId) {
    return locks.computeIfAbsent(podId, k -> new Object());
  }

  @Override
  public OptionalInt pid(String podId) {
    try {
      int pid = Integer.parseInt(Files.readString(dir.resolve(podId).resolve("pid")).strip());
      return Files.exists(Path.of("/proc/" + pid)) ? OptionalInt.of(pid) : OptionalInt.empty();
    } catch (IOException | NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  @Override
  public List<String> podIds() {
    try (var bundles = Files.list(dir)) {
      return bundles.map(b -> b.getFileName().toString()).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  static String containerId(String podId) {
    return "infra-" + podId;
  }

  @Override
  public int ensure(String podId, String handler, Map<String, String> pins, String cgroupPath,
      PodSpec.UserNamespace userns) {
    ContainerRuntime runtime = runtimes.get(handler, "pod " + podId);
    synchronized (lock(podId)) {
      return ensureLocked(podId, pins, cgroupPath, userns, runtime);
    }
  }

  private int ensureLocked(String podId, Map<String, String> pins, String cgroupPath, PodSpec.UserNamespace userns,
      ContainerRuntime runtime) {
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
        if (userns != null) {
          OwnerOnly.shareWithGroup(d, userns.hostRootGid(), d.equals(bundle)
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
          null,
          new OciSpec.Linux(ns, userns == null ? List.of() : userns.ociUidMappings(),
              userns == null ? List.of() : userns.ociGidMappings(), cgroupPath, null, Map.of(), List.of(),
              List.of(), null, List.of(),
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
        FileTrees.delete(bundle);
        throw e;
      }
      Files.writeString(pidFile, Integer.toString(pid));
      LOG.info("pod infra process started", "pod", podId, "pid", pid);
      return pid;
    } catch (IOException e) {
      throw new UncheckedIOException("starting the infra process of pod " + podId, e);
    }
  }

  @Override
  public void stop(String podId, String handler) {
    synchronized (lock(podId)) {
      ContainerRuntime runtime = runtimes.find(handler).orElse(null);
      if (runtime != null && Files.exists(dir.resolve(podId))) {
        OptionalInt pid = pid(podId);
        runtime.kill(containerId(podId), "SIGKILL");
        // crun run --detach left it to jcri (a subreaper): reaped now, not a zombie until the node's init looks.
        pid.ifPresent(p -> ChildReaper.reapExited(p, REAP_WAIT));
      }
    }
  }

  @Override
  public void removeOrphan(String podId) {
    for (ContainerRuntime rt : runtimes.all()) {
      try {
        rt.delete(containerId(podId));
      } catch (RuntimeException e) {
        LOG.warn("removing an unfinished pod's infra process failed", "pod", podId, "error", e.getMessage());
      }
    }
    removeBundle(podId, null);
    LOG.info("removed the infra process of an unfinished pod", "pod", podId);
  }

  @Override
  public void remove(String podId, String handler) {
    removeBundle(podId, runtimes.find(handler).orElse(null));
  }

  private void removeBundle(String podId, ContainerRuntime runtime) {
    synchronized (lock(podId)) {
      Path bundle = dir.resolve(podId);
      if (Files.exists(bundle)) {
        if (runtime != null) {
          runtime.delete(containerId(podId));
        }
        FileTrees.delete(bundle);
      }
    }
    locks.remove(podId);
  }
}
