package dev.jcri.sandbox.container;

import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.FileTrees;
import dev.jcri.common.IdmappedMounts;
import dev.jcri.common.Ids;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Json;
import dev.jcri.common.Log;
import dev.jcri.common.NotFoundException;
import dev.jcri.common.OwnerOnly;
import dev.jcri.common.Undo;
import dev.jcri.image.store.ImageRecord;
import dev.jcri.sandbox.cdi.CdiEdits;
import dev.jcri.sandbox.cdi.CdiRegistry;
import dev.jcri.sandbox.cgroup.MigrationPrimer;
import dev.jcri.sandbox.ns.NamespaceKind;
import dev.jcri.sandbox.oci.OciSpec;
import dev.jcri.sandbox.pod.NamespaceMode;
import dev.jcri.sandbox.pod.PodSandbox;
import dev.jcri.sandbox.pod.PodSandboxManager;
import dev.jcri.sandbox.runtime.ContainerRuntime;
import dev.jcri.sandbox.runtime.RuntimeHandlers;
import dev.jcri.sandbox.trace.StepObserver;
import dev.jcri.sandbox.trace.Timeline;
import io.opentelemetry.api.trace.Tracer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * CreateContainer: checks what the request asks against the pod and the node, then makes the container one
 * named step at a time (rootfs snapshot, spec, conmon and the runtime's create), each registering its undo, and
 * records it only once conmon reports it.
 */
final class ContainerCreator {

  private static final Log LOG = Log.of(ContainerCreator.class);

  private final ContainerStore store;
  private final PodSandboxManager pods;
  private final ContainerImages images;
  private final RuntimeHandlers runtimes;
  private final CdiRegistry cdi;
  private final ContainerDirs dirs;
  private final ContainerEvents events;
  private final Tracer tracer;
  private final StepObserver steps;
  private final MigrationPrimer primer;

  ContainerCreator(ContainerStore store, PodSandboxManager pods, ContainerImages images, RuntimeHandlers runtimes,
      CdiRegistry cdi, ContainerDirs dirs, ContainerEvents events, Tracer tracer, StepObserver steps,
      MigrationPrimer primer) {
    this.store = store;
    this.pods = pods;
    this.images = images;
    this.runtimes = runtimes;
    this.cdi = cdi;
    this.dirs = dirs;
    this.events = events;
    this.tracer = tracer;
    this.steps = steps;
    this.primer = primer;
  }

  /** Makes the container: rootfs snapshot, OCI spec, conmon and the runtime's create; undone on failure. */
  ContainerRecord create(String podId, ContainerSpec requested) {
    checkRecursiveReadOnly(requested);
    ContainerSpec spec = fitToHost(requested);
    PodSandbox pod = pods.get(podId);
    if (pod.state() != PodSandbox.State.READY) {
      throw new FailedPreconditionException("pod sandbox " + pod.id() + " is not ready; a container can only be"
          + " created in a READY pod");
    }
    if (spec.name().isEmpty()) {
      throw new InvalidArgumentException("container metadata needs a name");
    }
    if (spec.name().length() > 253 || spec.name().chars().anyMatch(ch -> ch < 0x20 || ch == '/')) {
      throw new InvalidArgumentException("container name must be at most 253 printable characters without '/'");
    }
    if (spec.runAsGroup() != null && spec.runAsUser() == null && spec.runAsUsername().isEmpty()) {
      throw new InvalidArgumentException("run_as_group is set without run_as_user or run_as_username");
    }
    if (spec.image().isEmpty()) {
      throw new InvalidArgumentException("container \"" + spec.name() + "\" names no image");
    }
    if (pod.pins().containsKey(NamespaceKind.USER.procName())) {
      requireSearchableByOthers(dirs.containers());
    }
    ImageRecord image = images.image(spec.image()).orElseThrow(() -> new NotFoundException("image \""
        + spec.image() + "\" is not present; pull it first"));
    ContainerRuntime runtime = runtimes.get(pod.spec().runtimeHandler(), "pod " + pod.id());
    CdiEdits devices = cdi.resolve(spec.cdiDevices());
    String id = Ids.newId();
    String key = ContainerRecord.reservationKey(pod.id(), spec);
    store.reserve(key, id);
    Undo undo = new Undo();
    undo.push("release name", () -> store.release(key, id));
    Timeline timeline = new Timeline(tracer, steps, "container", "jcri.container_id", id);
    // The runtime's create moves the container's process into its cgroup: the kernel's lock for that is made
    // ready while the steps before it run.
    MigrationPrimer.Hold primed = primer.hold();
    try {
      Path bundle = dirs.bundle(id);
      Path rootfs = dirs.rootfs(id);
      timeline.step("rootfs", () -> {
        OwnerOnly.dir(bundle);
        undo.push("remove bundle", () -> FileTrees.delete(bundle));
        if (pod.spec().userns() != null) {
          OwnerOnly.shareWithGroup(bundle, pod.spec().userns().hostRootGid());
          // Also the pod's files: a pod made before an upgrade that tightened them (0700) is opened again.
          OwnerOnly.shareWithGroup(pods.podFilesDir(pod.id()), pod.spec().userns().hostRootGid());
        }
        try {
          Files.createDirectories(rootfs);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        images.prepareRootfs(id, image.topChainId());
        undo.push("remove snapshot", () -> images.removeRootfs(id));
        String userns = pod.pins().get(NamespaceKind.USER.procName());
        var mapping = pod.spec().userns();
        images.mountRootfs(id, rootfs, userns == null ? null : Path.of(userns),
            mapping == null ? 0 : mapping.hostRootUid(), mapping == null ? 0 : mapping.hostRootGid());
        undo.push("unmount rootfs", () -> images.unmountRootfs(rootfs));
      });

      // A step only where there is one: a timeline shows what a container's start did.
      ContainerSpec withImages = withCdi(spec.mounts().stream().noneMatch(ContainerSpec.MountSpec::isImage) ? spec
          : timeline.step("image_volumes", () -> withImageVolumes(id, spec, pod, bundle, undo)), devices);

      String infraNs = spec.pid() != NamespaceMode.POD ? null
          : timeline.step("infra", () -> pods.sharedPidNamespace(pod));
      String targetNs = null;
      if (spec.pid() == NamespaceMode.TARGET) {
        ContainerRecord target = store.get(spec.targetId());
        if (target.state() != ContainerRecord.State.RUNNING) {
          throw new FailedPreconditionException("target container " + spec.targetId() + " is not running");
        }
        targetNs = "/proc/" + target.pid() + "/ns/pid";
      }
      String cgroupPath = pods.cgroups().child(pod.cgroupPath(), "ctr-" + id);
      String pidNs = infraNs;
      String target = targetNs;
      List<Path> clonedVolumes = new ArrayList<>();
      undo.push("detach cloned volumes", () -> IdmappedMounts.detachAll(clonedVolumes));
      UserResolver.Resolved user = timeline.step("spec", () -> {
        UserResolver.Resolved resolved = UserResolver.resolve(rootfs, spec.runAsUser(), spec.runAsUsername(),
            spec.runAsGroup(), spec.supplementalGroups(), image.config().user(),
            spec.groupsPolicy() == ContainerSpec.GroupsPolicy.MERGE);
        OciSpec oci = OciSpecFactory.build(new OciSpecFactory.Inputs(id, withClonedVolumes(withImages, pod, bundle,
            clonedVolumes), pod, image.config(), rootfs,
            pods.podFilesDir(pod.id()), resolved, cgroupPath, pidNs, target, ownOomScoreAdj(), devices.hooks(),
            new OciSpecFactory.NodeCgroups(pods.cgroups().isUnified())));
        try {
          OwnerOnly.write(bundle.resolve("config.json"), Json.PLAIN.writerWithDefaultPrettyPrinter()
              .writeValueAsBytes(oci));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return resolved;
      });

      Path logPath = logPath(pod, spec);
      String stopSignal = image.config().stopSignal().isEmpty() ? "SIGTERM" : image.config().stopSignal();
      undo.push("delete runtime container", () -> runtime.delete(id));
      int pid = timeline.step("conmon_create", () -> runtime.create(new ContainerRuntime.CreateRequest(id, spec.name(),
          bundle, logPath, dirs.exits(), dirs.attach(), spec.stdin(), spec.stdinOnce(), spec.tty())));
      primed.close();
      // The container's mount namespace holds its own copies of the cloned volumes now.
      IdmappedMounts.detachAll(clonedVolumes);
      ContainerRecord r = new ContainerRecord(ContainerRecord.VERSION, id, pod.id(), spec, image.id(), spec.image(),
          ContainerRecord.State.CREATED, Ids.nowNanos(), 0, 0, 0, "", "", pid, runtime.handler(), logPath.toString(),
          cgroupPath, stopSignal, new ContainerRecord.User(user.uid(), user.gid(), user.additionalGids()));
      store.put(r);
      events.publish(ContainerEvents.Type.CREATED, id, pod.id(), r.createdAt());
      LOG.info("container created", "id", id, "name", spec.name(), "pod", pod.id(), "pid", pid,
          "timeline", timeline.steps());
      return r;
    } catch (IOException e) {
      throw undo.rollback(new UncheckedIOException("creating container " + spec.name() + ": " + e.getMessage(), e),
          "CreateContainer " + spec.name());
    } catch (RuntimeException e) {
      throw undo.rollback(e, "CreateContainer " + spec.name());
    } finally {
      primed.close();
    }
  }

  private static Path logPath(PodSandbox pod, ContainerSpec spec) throws IOException {
    String dir = pod.spec().logDirectory();
    if (dir.isEmpty() || spec.logPath().isEmpty()) {
      Path none = Path.of("/dev/null");
      return none;
    }
    Path base = Path.of(dir).normalize();
    Path log = base.resolve(spec.logPath()).normalize();
    if (!log.startsWith(base) || spec.logPath().startsWith("/")) {
      throw new InvalidArgumentException("log path \"" + spec.logPath() + "\" leaves the pod's log directory " + base);
    }
    Files.createDirectories(log.getParent());
    return log;
  }

  /**
   * The spec with what its CDI devices bring: device nodes, environment (a CDI variable replaces the container's
   * of the same name) and bind mounts; their hooks go into the OCI spec as they are.
   */
  static ContainerSpec withCdi(ContainerSpec spec, CdiEdits edits) {
    if (edits.isEmpty()) {
      return spec;
    }
    List<ContainerSpec.DeviceSpec> devices = new ArrayList<>(spec.devices());
    for (CdiEdits.DeviceNode n : edits.deviceNodes()) {
      devices.add(new ContainerSpec.DeviceSpec(n.path(), n.hostPath(), n.permissions()));
    }
    List<String> env = new ArrayList<>(spec.env());
    for (String e : edits.env()) {
      String name = e.substring(0, e.indexOf('=') + 1);
      env.removeIf(old -> old.startsWith(name));
      env.add(e);
    }
    List<ContainerSpec.MountSpec> mounts = new ArrayList<>(spec.mounts());
    for (CdiEdits.Mount m : edits.mounts()) {
      List<String> options = new ArrayList<>();
      for (String o : m.options()) {
        if (ContainerSpec.MountSpec.OPTIONS.contains(o)) {
          options.add(o);
        } else if (!List.of("ro", "rw", "bind", "rbind", "private", "rprivate").contains(o)) {
          throw new FailedPreconditionException("CDI mount " + m.containerPath() + ": option \"" + o
              + "\" is not one jcri applies (ro, rw, bind, rbind, private, " + String.join(", ",
              ContainerSpec.MountSpec.OPTIONS) + ")");
        }
      }
      mounts.add(new ContainerSpec.MountSpec(m.containerPath(), m.hostPath(), m.options().contains("ro"),
          ContainerSpec.Propagation.PRIVATE, false, false, options, "", ""));
    }
    return new ContainerSpec(spec.name(), spec.attempt(), spec.image(), spec.command(), spec.args(),
        spec.workingDir(), env, mounts, spec.labels(), spec.annotations(), spec.logPath(), spec.stdin(),
        spec.stdinOnce(), spec.tty(), spec.resources(), spec.oomScoreAdj(), spec.runAsUser(), spec.runAsUsername(),
        spec.runAsGroup(), spec.supplementalGroups(), spec.readonlyRootfs(), spec.privileged(), spec.capsAdd(),
        spec.capsDrop(), spec.noNewPrivs(), spec.pid(), spec.targetId(), spec.maskedPaths(), spec.readonlyPaths(),
        spec.seccomp(), spec.seccompLocalhost(), devices, spec.groupsPolicy(), spec.cdiDevices());
  }

  /**
   * The spec with each image volume (KEP-4639) pointed at its image's file system, mounted under the bundle (or
   * at {@code image_sub_path} in it) and read-only; each mount registers its undo.
   */
  private ContainerSpec withImageVolumes(String id, ContainerSpec spec, PodSandbox pod, Path bundle, Undo undo) {
    if (spec.mounts().stream().noneMatch(ContainerSpec.MountSpec::isImage)) {
      return spec;
    }
    undo.push("remove image volumes", () -> images.removeImageVolumes(id));
    String userns = pod.pins().get(NamespaceKind.USER.procName());
    var mapping = pod.spec().userns();
    List<ContainerSpec.MountSpec> mounts = new ArrayList<>();
    int index = 0;
    for (ContainerSpec.MountSpec m : spec.mounts()) {
      if (!m.isImage()) {
        mounts.add(m);
        continue;
      }
      ImageRecord volumeImage = images.image(m.image()).orElseThrow(() -> new NotFoundException("image \""
          + m.image() + "\" of the image volume at " + m.containerPath() + " is not present; pull it first"));
      Path target = bundle.resolve("image-volumes").resolve(Integer.toString(index));
      try {
        Files.createDirectories(target);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      images.mountImageVolume(id, index, volumeImage.topChainId(), target, userns == null ? null : Path.of(userns),
          mapping == null ? 0 : mapping.hostRootUid(), mapping == null ? 0 : mapping.hostRootGid());
      undo.push("unmount image volume " + m.containerPath(), () -> images.unmountRootfs(target));
      Path source = ImageSubPath.resolve(target, m.imageSubPath(), m.image());
      mounts.add(new ContainerSpec.MountSpec(m.containerPath(), source.toString(), true, m.propagation(), false,
          m.recursiveReadOnly(), m.options(), m.image(), m.imageSubPath()));
      index++;
    }
    return spec.withMounts(mounts);
  }

  /**
   * A container in a pod with its own user namespace runs as an unprivileged uid of the node, which must be
   * able to reach its bundle: every directory above it needs search permission for others.
   */
  private static void requireSearchableByOthers(Path dir) {
    for (Path d = dir.toAbsolutePath(); d != null; d = d.getParent()) {
      try {
        if (!Files.getPosixFilePermissions(d).contains(PosixFilePermission.OTHERS_EXECUTE)) {
          throw new FailedPreconditionException("pods with their own user namespace need the state directory's"
              + " parents searchable by other users, and " + d + " is not (chmod o+x " + d + ")");
        }
      } catch (IOException e) {
        throw new FailedPreconditionException("reading the permissions of " + d + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * The spec with each mount that needs a prepared clone (idmapped in a pod with its own user namespace,
   * recursively read-only) pointed at that clone under the bundle; the clones made are added to {@code made}
   * and detached once the runtime has taken them.
   */
  private static ContainerSpec withClonedVolumes(ContainerSpec spec, PodSandbox pod, Path bundle, List<Path> made) {
    String userns = pod.pins().get(NamespaceKind.USER.procName());
    Predicate<ContainerSpec.MountSpec> cloned = m -> m.recursiveReadOnly()
        || (userns != null && m.idmapped());
    if (spec.mounts().stream().noneMatch(cloned)) {
      return spec;
    }
    List<IdmappedMounts.Clone> clones = new ArrayList<>();
    for (ContainerSpec.MountSpec m : spec.mounts()) {
      if (!cloned.test(m)) {
        continue;
      }
      try {
        Files.createDirectories(Path.of(m.hostPath()));
      } catch (IOException e) {
        throw new InvalidArgumentException("mount source " + m.hostPath() + " does not exist and cannot be created: "
            + e.getMessage());
      }
      clones.add(new IdmappedMounts.Clone(Path.of(m.hostPath()), userns != null && m.idmapped(),
          m.recursiveReadOnly()));
    }
    List<Path> at = IdmappedMounts.bindAll(clones, bundle.resolve("volumes"),
        userns == null ? null : Path.of(userns));
    made.addAll(at);
    List<ContainerSpec.MountSpec> mounts = new ArrayList<>();
    int i = 0;
    for (ContainerSpec.MountSpec m : spec.mounts()) {
      mounts.add(cloned.test(m) ? m.withHostPath(at.get(i++).toString()) : m);
    }
    return spec.withMounts(mounts);
  }

  /** Refuses a recursively read-only mount that is not read-only or not private, as the CRI asks. */
  private static void checkRecursiveReadOnly(ContainerSpec spec) {
    for (ContainerSpec.MountSpec m : spec.mounts()) {
      if (!m.recursiveReadOnly()) {
        continue;
      }
      if (!m.readonly()) {
        throw new InvalidArgumentException("mount " + m.containerPath() + ": recursive_read_only needs readonly too");
      }
      if (m.propagation() != ContainerSpec.Propagation.PRIVATE) {
        throw new InvalidArgumentException("mount " + m.containerPath() + ": recursive_read_only needs private"
            + " propagation (got " + m.propagation() + ")");
      }
    }
  }

  /** The spec with what this node cannot do refused (unified on v1) or left out (swap without accounting). */
  private ContainerSpec fitToHost(ContainerSpec spec) {
    if (!spec.resources().unified().isEmpty() && !pods.cgroups().isUnified()) {
      throw new FailedPreconditionException("unified resources " + spec.resources().unified().keySet()
          + " need cgroup v2; this node runs cgroup v1 controllers");
    }
    if (spec.resources().memorySwapBytes() > 0 && !pods.cgroups().swapAccounting()) {
      // As containerd does: a swap limit the node cannot account for is left out rather than failing the pod.
      LOG.info("swap limit ignored: this node has no swap accounting", "container", spec.name(), "swap_bytes",
          spec.resources().memorySwapBytes());
      return spec.withResources(spec.resources().withoutSwap());
    }
    return spec;
  }

  /** The lowest oom_score_adj jcri may give: without CAP_SYS_RESOURCE, its own. */
  static long ownOomScoreAdj() {
    try {
      return Long.parseLong(Files.readString(Path.of("/proc/self/oom_score_adj")).strip());
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

}
