package dev.jcri.sandbox.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.jna.LastErrorException;
import dev.jcri.common.DeadlineExceededException;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.FileTrees;
import dev.jcri.common.IdmappedMounts;
import dev.jcri.common.Ids;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Libc;
import dev.jcri.common.Log;
import dev.jcri.common.NotFoundException;
import dev.jcri.common.OwnerOnly;
import dev.jcri.image.ImageService;
import dev.jcri.image.snapshot.Snapshot;
import dev.jcri.image.store.ImageRecord;
import dev.jcri.sandbox.cgroup.CgroupResources;
import dev.jcri.sandbox.cgroup.CgroupStats;
import dev.jcri.sandbox.ns.NamespaceKind;
import dev.jcri.sandbox.oci.OciSpec;
import dev.jcri.sandbox.pod.NamespaceMode;
import dev.jcri.sandbox.pod.PodSandbox;
import dev.jcri.sandbox.pod.PodSandboxManager;
import dev.jcri.sandbox.trace.StepObserver;
import dev.jcri.sandbox.trace.Timeline;
import io.opentelemetry.api.trace.Tracer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * Container lifecycle over conmon and the OCI runtime: create (rootfs snapshot, spec, conmon + runtime
 * create), start, stop (signal, then SIGKILL after the timeout), remove, exec, and exits learned from conmon's
 * exit files through an inotify watch. It also stops and removes a pod's containers for the pod manager.
 */
public final class ContainerManager implements PodSandboxManager.ContainerReaper, AutoCloseable {

  private static final Log LOG = Log.of(ContainerManager.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /**
   * The most of each ExecSync stream kept (the CVE-2022-1708 class: a probe printing forever): kubelet takes CRI
   * messages of at most 16 MiB, so stdout and stderr together stay below that.
   */
  public static final int EXEC_OUTPUT_LIMIT = 8 * 1024 * 1024 - 4096;
  /** What all ExecSync calls together hold of their output. */
  private final ExecOutputBudget execOutput = new ExecOutputBudget(ExecOutputBudget.DEFAULT_BYTES);

  private final ContainerStore store;
  private final PodSandboxManager pods;
  private final ImageService images;
  private final Map<String, OciRuntime> runtimes;
  private final Path containersDir;
  private final Path exitDir;
  private final Path attachDir;
  private final InfraContainers infra;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final WatchService watcher;
  private final ContainerEvents events = new ContainerEvents();
  private final Tracer tracer;

  public ContainerManager(ContainerStore store, PodSandboxManager pods, ImageService images,
      Map<String, OciRuntime> runtimes, Path stateDir, Tracer tracer) {
    this.tracer = tracer;
    this.store = store;
    this.pods = pods;
    this.images = images;
    this.runtimes = Map.copyOf(runtimes);
    this.containersDir = stateDir.resolve("containers");
    this.exitDir = stateDir.resolve("exits");
    this.attachDir = stateDir.resolve("attach");
    this.infra = new InfraContainers(stateDir.resolve("infra"));
    try {
      // Bundles are 0700 (0710 to their pod's root group in a user-namespaced pod): their parent is searchable.
      OwnerOnly.dir(containersDir, OwnerOnly.SEARCHABLE);
      OwnerOnly.dir(exitDir);
      OwnerOnly.dir(attachDir);
      this.watcher = FileSystems.getDefault().newWatchService();
      exitDir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
    } catch (IOException e) {
      throw new UncheckedIOException("preparing container state under " + stateDir, e);
    }
    Thread.ofPlatform().name("exit-watch").daemon().start(this::watchExits);
    pods.setContainerReaper(this);
    pods.setPodInfra(new PodSandboxManager.PodInfra() {
      @Override
      public void start(String podId, String handler, Map<String, String> pins, String cgroupPath,
          Long userNsRootGid) {
        infra.ensure(podId, pins, cgroupPath, userNsRootGid, runtimes.get(handler));
      }

      @Override
      public void remove(String podId, String handler) {
        infra.remove(podId, runtimes.get(handler));
      }
    });
    store.list().forEach(c -> refresh(c.id()));
    sweepOrphans();
  }

  /**
   * Removes what a container creation cut short by a crash left: records are written only once conmon
   * reports the container, so bundles (with a mounted rootfs, maybe a runtime container) and rootfs
   * snapshots that no record names go.
   */
  private void sweepOrphans() {
    // Infra processes started for pods whose creation a crash cut short (before the pod's cgroup goes).
    for (String podId : infra.podIds()) {
      if (pods.store().find(podId).isEmpty()) {
        infra.removeOrphan(podId, runtimes.values());
      }
    }
    Set<String> known = new HashSet<>();
    store.list().forEach(c -> known.add(c.id()));
    try (var bundles = Files.list(containersDir)) {
      for (Path bundle : bundles.toList()) {
        String id = bundle.getFileName().toString();
        if (!known.contains(id)) {
          runtimes.values().forEach(rt -> {
            try {
              rt.delete(id);
            } catch (RuntimeException ignored) {
              // not this runtime's
            }
          });
          unmount(bundle.resolve("rootfs"));
          deleteTree(bundle);
          LOG.info("removed an unfinished container", "id", id);
        }
      }
    } catch (IOException e) {
      LOG.warn("listing container bundles: " + e.getMessage());
    }
    for (var s : images.snapshots().list()) {
      if (s.kind() == Snapshot.Kind.ACTIVE && s.key().startsWith("ctr-")
          && !known.contains(s.key().substring(4))) {
        images.snapshots().remove(s.key());
      }
    }
  }

  private volatile StepObserver steps = StepObserver.NONE;

  public void setStepObserver(StepObserver observer) {
    this.steps = observer;
  }

  public ContainerEvents events() {
    return events;
  }

  // ---- create ----

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

  public ContainerRecord create(String podId, ContainerSpec requested) {
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
      requireSearchableByOthers(containersDir);
    }
    ImageRecord image = images.status(spec.image()).orElseThrow(() -> new NotFoundException("image \""
        + spec.image() + "\" is not present; pull it first"));
    OciRuntime runtime = runtimes.get(pod.spec().runtimeHandler());
    if (runtime == null) {
      throw new FailedPreconditionException("the pod's runtime handler \"" + pod.spec().runtimeHandler()
          + "\" is not configured");
    }
    String id = Ids.newId();
    String key = ContainerRecord.reservationKey(pod.id(), spec);
    store.reserve(key, id);
    Deque<Runnable> undo = new ArrayDeque<>();
    undo.push(() -> store.release(key, id));
    Timeline timeline = new Timeline(tracer, steps, "container", "jcri.container_id", id);
    try {
      Path bundle = containersDir.resolve(id);
      Path rootfs = bundle.resolve("rootfs");
      timeline.step("rootfs", () -> {
        OwnerOnly.dir(bundle);
        undo.push(() -> deleteTree(bundle));
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
        images.snapshots().prepare(snapshotKey(id), image.topChainId());
        undo.push(() -> images.snapshots().remove(snapshotKey(id)));
        String userns = pod.pins().get(NamespaceKind.USER.procName());
        if (userns == null) {
          images.snapshots().mount(snapshotKey(id), rootfs);
        } else {
          var mapping = pod.spec().userns();
          images.snapshots().mount(snapshotKey(id), rootfs, Path.of(userns), mapping.hostRootUid(),
              mapping.hostRootGid());
        }
        undo.push(() -> unmount(rootfs));
      });

      String infraNs = spec.pid() != NamespaceMode.POD ? null
          : timeline.step("infra", () -> "/proc/" + infra.ensure(pod, runtime) + "/ns/pid");
      String targetNs = null;
      if (spec.pid() == NamespaceMode.TARGET) {
        ContainerRecord target = store.get(spec.targetId());
        if (target.state() != ContainerRecord.State.RUNNING) {
          throw new FailedPreconditionException("target container " + spec.targetId() + " is not running");
        }
        targetNs = "/proc/" + target.pid() + "/ns/pid";
      }
      String cgroupPath = pod.cgroupPath() + "/ctr-" + id;
      String pidNs = infraNs;
      String target = targetNs;
      List<Path> clonedVolumes = new ArrayList<>();
      undo.push(() -> IdmappedMounts.detachAll(clonedVolumes));
      timeline.step("spec", () -> {
        UserResolver.Resolved user = UserResolver.resolve(rootfs, spec.runAsUser(), spec.runAsUsername(),
            spec.runAsGroup(), spec.supplementalGroups(), image.config().user());
        OciSpec oci = OciSpecFactory.build(new OciSpecFactory.Inputs(id, withClonedVolumes(spec, pod, bundle,
            clonedVolumes), pod, image.config(), rootfs,
            pods.podFilesDir(pod.id()), user, cgroupPath, pidNs, target, ownOomScoreAdj()));
        try {
          OwnerOnly.write(bundle.resolve("config.json"), JSON.writeValueAsBytes(oci));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });

      Path logPath = logPath(pod, spec);
      String stopSignal = image.config().stopSignal().isEmpty() ? "SIGTERM" : image.config().stopSignal();
      undo.push(() -> runtime.delete(id));
      int pid = timeline.step("conmon_create", () -> runtime.create(new OciRuntime.CreateRequest(id, spec.name(),
          bundle, logPath, exitDir, attachDir, spec.stdin(), spec.stdinOnce(), spec.tty())));
      // The container's mount namespace holds its own copies of the cloned volumes now.
      IdmappedMounts.detachAll(clonedVolumes);
      ContainerRecord r = new ContainerRecord(ContainerRecord.VERSION, id, pod.id(), spec, image.id(), spec.image(),
          ContainerRecord.State.CREATED, Ids.nowNanos(), 0, 0, 0, "", "", pid, runtime.handler(), logPath.toString(),
          cgroupPath, stopSignal);
      store.put(r);
      events.publish(ContainerEvents.Type.CREATED, id, pod.id(), r.createdAt());
      LOG.info("container created", "id", id, "name", spec.name(), "pod", pod.id(), "pid", pid,
          "timeline", timeline.steps());
      return r;
    } catch (IOException e) {
      throw rollback(undo, new UncheckedIOException("creating container " + spec.name() + ": " + e.getMessage(), e));
    } catch (RuntimeException e) {
      throw rollback(undo, e);
    }
  }

  private static RuntimeException rollback(Deque<Runnable> undo, RuntimeException cause) {
    while (!undo.isEmpty()) {
      try {
        undo.pop().run();
      } catch (RuntimeException e) {
        cause.addSuppressed(e);
      }
    }
    return cause;
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

  // ---- start, stop, remove ----

  public void start(String idOrPrefix) {
    ContainerRecord c = store.get(idOrPrefix);
    ReentrantLock lock = lock(c.id());
    lock.lock();
    try {
      c = refresh(c.id());
      if (c.state() != ContainerRecord.State.CREATED) {
        throw new FailedPreconditionException("container " + c.id() + " is " + c.state().name().toLowerCase()
            + "; only a created container can be started");
      }
      long startedAt = Ids.nowNanos();
      runtime(c).start(c.id());
      synchronized (this) {
        ContainerRecord now = store.get(c.id());
        store.put(now.state() == ContainerRecord.State.CREATED ? now.started(startedAt, now.pid())
            : now.withStartedAt(startedAt));
      }
      events.publish(ContainerEvents.Type.STARTED, c.id(), c.podId(), startedAt);
      LOG.info("container started", "id", c.id(), "pid", c.pid());
    } finally {
      lock.unlock();
    }
  }

  /** Signals the container with its stop signal, then SIGKILL after {@code timeoutSeconds}; idempotent. */
  public void stop(String idOrPrefix, long timeoutSeconds) {
    ContainerRecord c = store.findToEnd(idOrPrefix).orElse(null);
    if (c == null) {
      return;
    }
    ReentrantLock lock = lock(c.id());
    lock.lock();
    try {
      c = refresh(c.id());
      if (c.state() == ContainerRecord.State.EXITED) {
        return;
      }
      OciRuntime rt = runtime(c);
      if (c.state() == ContainerRecord.State.CREATED) {
        rt.kill(c.id(), "SIGKILL");
      } else {
        if (timeoutSeconds > 0) {
          rt.kill(c.id(), c.stopSignal());
          if (awaitExit(c.id(), TimeUnit.SECONDS.toMillis(timeoutSeconds))) {
            return;
          }
        }
        rt.kill(c.id(), "SIGKILL");
      }
      if (!awaitExit(c.id(), 10_000)) {
        throw new DeadlineExceededException("container " + c.id() + " did not exit after SIGKILL");
      }
    } finally {
      lock.unlock();
    }
  }

  /** Removes the container, killing it first if it runs; removing a missing one succeeds. */
  public void remove(String idOrPrefix) {
    ContainerRecord c = store.findToEnd(idOrPrefix).orElse(null);
    if (c == null) {
      return;
    }
    stop(c.id(), 0);
    ReentrantLock lock = lock(c.id());
    lock.lock();
    try {
      runtime(c).delete(c.id());
      Path bundle = containersDir.resolve(c.id());
      unmount(bundle.resolve("rootfs"));
      images.snapshots().remove(snapshotKey(c.id()));
      deleteTree(bundle);
      Files.deleteIfExists(exitDir.resolve(c.id()));
      store.delete(c.id());
      events.publish(ContainerEvents.Type.DELETED, c.id(), c.podId(), Ids.nowNanos());
      LOG.info("container removed", "id", c.id());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      lock.unlock();
      locks.remove(c.id());
    }
  }

  @Override
  public void stopAll(String podId) {
    for (ContainerRecord c : store.list()) {
      if (c.podId().equals(podId)) {
        stop(c.id(), 0);
      }
    }
    infra.stop(podId, runtimeFor(podId));
  }

  @Override
  public void removeAll(String podId) {
    for (ContainerRecord c : store.list()) {
      if (c.podId().equals(podId)) {
        remove(c.id());
      }
    }
    infra.remove(podId, runtimeFor(podId));
  }

  private OciRuntime runtimeFor(String podId) {
    return pods.store().find(podId).map(p -> runtimes.get(p.spec().runtimeHandler())).orElse(null);
  }

  // ---- reading ----

  public ContainerRecord get(String idOrPrefix) {
    return refresh(store.get(idOrPrefix).id());
  }

  public List<ContainerRecord> list() {
    return store.list().stream().map(c -> refresh(c.id())).toList();
  }

  public OciRuntime.ExecResult execSync(String idOrPrefix, List<String> command, long timeoutSeconds) {
    ContainerRecord c = get(idOrPrefix);
    if (c.state() != ContainerRecord.State.RUNNING) {
      throw new FailedPreconditionException("container " + c.id() + " is not running");
    }
    if (command.isEmpty()) {
      throw new InvalidArgumentException("ExecSync needs a command");
    }
    return runtime(c).execSync(c.id(), containersDir.resolve(c.id()), command, timeoutSeconds, EXEC_OUTPUT_LIMIT,
        execOutput);
  }

  /**
   * Starts {@code command} in a running container for a streaming session (exec); see
   * {@link OciRuntime#execInteractive}.
   */
  public InteractiveExec execInteractive(String idOrPrefix, List<String> command, boolean tty, TerminalSize size,
      boolean stdin, boolean stdout, boolean stderr) {
    ContainerRecord c = running(idOrPrefix);
    if (command.isEmpty()) {
      throw new InvalidArgumentException("exec needs a command");
    }
    return runtime(c).execInteractive(c.id(), containersDir.resolve(c.id()), attachDir, command, tty, size, stdin,
        stdout, stderr);
  }

  /** Attaches to a running container's stdio through its conmon. */
  public AttachConnection attach(String idOrPrefix) {
    ContainerRecord c = running(idOrPrefix);
    try {
      return AttachConnection.open(containersDir.resolve(c.id()));
    } catch (IOException e) {
      throw new FailedPreconditionException("attaching to " + c.id() + ": " + e.getMessage(), e);
    }
  }

  /** The container, which must be running. */
  public ContainerRecord running(String idOrPrefix) {
    ContainerRecord c = get(idOrPrefix);
    if (c.state() != ContainerRecord.State.RUNNING) {
      throw new FailedPreconditionException("container " + c.id() + " is not running (" + c.state().name()
          .toLowerCase(Locale.ROOT) + ")");
    }
    return c;
  }

  /** Makes conmon reopen the log file (after kubelet rotated it). */
  public void reopenLog(String idOrPrefix) {
    ContainerRecord c = get(idOrPrefix);
    if (c.state() != ContainerRecord.State.RUNNING) {
      throw new FailedPreconditionException("container " + c.id() + " is not running");
    }
    Path ctl = containersDir.resolve(c.id()).resolve("ctl");
    Path log = Path.of(c.logPath());
    try {
      Files.writeString(ctl, "2 0 0\n");
      // conmon reopens asynchronously; kubelet expects the new file to exist once the call returns.
      for (int i = 0; i < 500 && !Files.exists(log); i++) {
        Thread.sleep(10);
      }
    } catch (IOException e) {
      throw new FailedPreconditionException("asking conmon to reopen the log of " + c.id() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!Files.exists(log)) {
      throw new DeadlineExceededException("conmon did not reopen the log of " + c.id() + " at " + log);
    }
  }

  public CgroupStats stats(String idOrPrefix) {
    ContainerRecord c = get(idOrPrefix);
    return pods.cgroups().stats(c.cgroupPath());
  }

  /** Bytes and inodes of the container's writable layer. */
  public long[] writableLayerUsage(String id) {
    long[] t = new long[2];
    images.snapshots().activeSnapshot(snapshotKey(id)).ifPresent(s -> {
      try (var walk = Files.walk(images.snapshots().fs(s.id()))) {
        walk.forEach(p -> {
          t[1]++;
          try {
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
              t[0] += Files.size(p);
            }
          } catch (IOException ignored) {
            // vanished
          }
        });
      } catch (IOException ignored) {
        // vanished
      }
    });
    return t;
  }

  public void updateResources(String idOrPrefix, CgroupResources r) {
    ContainerRecord c = get(idOrPrefix);
    pods.cgroups().apply(c.cgroupPath(), r);
  }

  // ---- exits ----

  /** Brings the record up to date with what conmon recorded: exit code, time, OOM. */
  private ContainerRecord refresh(String id) {
    ContainerRecord c = store.find(id).orElseThrow(() -> new NotFoundException("container \"" + id + "\" not found"));
    if (c.state() == ContainerRecord.State.EXITED) {
      return c;
    }
    Path exit = exitDir.resolve(id);
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
      boolean oom = Files.exists(containersDir.resolve(id).resolve("oom"));
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

  private boolean awaitExit(String id, long millis) {
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

  private void watchExits() {
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
    watcher.close();
    runtimes.values().forEach(OciRuntime::close);
  }

  // ---- helpers ----

  private OciRuntime runtime(ContainerRecord c) {
    OciRuntime rt = runtimes.get(c.runtimeHandler());
    if (rt == null) {
      throw new FailedPreconditionException("runtime handler \"" + c.runtimeHandler() + "\" of container " + c.id()
          + " is no longer configured");
    }
    return rt;
  }

  static String snapshotKey(String id) {
    return "ctr-" + id;
  }

  private static void unmount(Path p) {
    try {
      Libc.INSTANCE.umount2(p.toString(), Libc.MNT_DETACH);
    } catch (LastErrorException e) {
      if (e.getErrorCode() != 22 && e.getErrorCode() != 2) {
        throw new FailedPreconditionException("unmounting " + p + ": " + Libc.describe(e), e);
      }
    }
  }

  static void deleteTree(Path dir) {
    FileTrees.delete(dir);
  }

  /** The lowest oom_score_adj jcri may give: without CAP_SYS_RESOURCE, its own. */
  static long ownOomScoreAdj() {
    try {
      return Long.parseLong(Files.readString(Path.of("/proc/self/oom_score_adj")).strip());
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  private ReentrantLock lock(String id) {
    return locks.computeIfAbsent(id, k -> new ReentrantLock());
  }

}
