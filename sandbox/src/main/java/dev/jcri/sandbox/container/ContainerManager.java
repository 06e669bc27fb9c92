package dev.jcri.sandbox.container;

import dev.jcri.common.DeadlineExceededException;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.FileTrees;
import dev.jcri.common.Ids;
import dev.jcri.common.Log;
import dev.jcri.image.ImageService;
import dev.jcri.sandbox.cdi.CdiRegistry;
import dev.jcri.sandbox.cgroup.CgroupResources;
import dev.jcri.sandbox.cgroup.MigrationPrimer;
import dev.jcri.sandbox.cgroup.CgroupStats;
import dev.jcri.sandbox.pod.PodSandboxManager;
import dev.jcri.sandbox.runtime.ExecResult;
import dev.jcri.sandbox.runtime.InteractiveExec;
import dev.jcri.sandbox.runtime.ContainerRuntime;
import dev.jcri.sandbox.runtime.RuntimeHandlers;
import dev.jcri.sandbox.runtime.TerminalSize;
import dev.jcri.sandbox.trace.StepObserver;
import io.opentelemetry.api.trace.Tracer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Container lifecycle over conmon and the OCI runtime: create ({@link ContainerCreator}), start, stop (signal,
 * then SIGKILL after the timeout), remove, and lookups kept up to date with exits ({@link ContainerExits}); I/O
 * through {@link ContainerIo}. Each container has its own lock.
 */
public final class ContainerManager implements AutoCloseable {

  private static final Log LOG = Log.of(ContainerManager.class);

  private final ContainerStore store;
  private final PodSandboxManager pods;
  private final ImageRootfs rootfs;
  private final RuntimeHandlers runtimes;
  private final ContainerDirs dirs;
  private final ContainerEvents events = new ContainerEvents();
  private final ContainerExits exits;
  private final ContainerCreator creator;
  private final ContainerIo io;
  private final ContainerRecovery recovery;
  private final ContainerCheckpointer checkpointer;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  public ContainerManager(ContainerStore store, PodSandboxManager pods, ImageService images, RuntimeHandlers runtimes,
      CdiRegistry cdi, Path stateDir, Tracer tracer, StepObserver steps, MigrationPrimer primer) {
    this.store = store;
    this.pods = pods;
    this.rootfs = new ImageRootfs(images);
    this.runtimes = runtimes;
    this.dirs = ContainerDirs.under(stateDir);
    this.exits = new ContainerExits(store, dirs, events);
    this.creator = new ContainerCreator(store, pods, rootfs, runtimes, cdi, dirs, events, tracer, steps,
        primer);
    this.io = new ContainerIo(dirs);
    this.recovery = new ContainerRecovery(store, exits, images, runtimes, dirs);
    this.checkpointer = new ContainerCheckpointer(dirs, rootfs);
  }

  /**
   * At start, after images and pods recovered: records learn the exits conmon wrote while jcri was down, and
   * what unfinished creations left goes.
   */
  public void recover() {
    dirs.create();
    recovery.recover();
  }

  /** Starts watching for exits. */
  public void start() {
    exits.start();
  }

  public ContainerEvents events() {
    return events;
  }

  // ---- create, start, stop, remove ----

  public ContainerRecord create(String podId, ContainerSpec spec) {
    return creator.create(podId, spec);
  }

  public void start(String idOrPrefix) {
    ContainerRecord c = store.get(idOrPrefix);
    ReentrantLock lock = lock(c.id());
    lock.lock();
    try {
      c = exits.refresh(c.id());
      if (c.state() != ContainerRecord.State.CREATED) {
        throw new FailedPreconditionException("container " + c.id() + " is " + c.state().name().toLowerCase()
            + "; only a created container can be started");
      }
      long startedAt = Ids.nowNanos();
      runtime(c).start(c.id());
      exits.update(c.id(), now -> now.state() == ContainerRecord.State.CREATED ? now.started(startedAt, now.pid())
          : now.withStartedAt(startedAt));
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
      c = exits.refresh(c.id());
      if (c.state() == ContainerRecord.State.EXITED) {
        return;
      }
      ContainerRuntime rt = runtime(c);
      if (c.state() == ContainerRecord.State.CREATED) {
        rt.kill(c.id(), "SIGKILL");
      } else {
        if (timeoutSeconds > 0) {
          rt.kill(c.id(), c.stopSignal());
          if (exits.awaitExit(c.id(), TimeUnit.SECONDS.toMillis(timeoutSeconds))) {
            return;
          }
        }
        rt.kill(c.id(), "SIGKILL");
      }
      if (!exits.awaitExit(c.id(), 10_000)) {
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
      rootfs.unmountRootfs(dirs.rootfs(c.id()));
      rootfs.removeRootfs(c.id());
      // Detaches the image volumes mounted in the bundle before their snapshots go.
      FileTrees.delete(dirs.bundle(c.id()));
      rootfs.removeImageVolumes(c.id());
      Files.deleteIfExists(dirs.exitFile(c.id()));
      // conmon's link to the container's attach socket, which would dangle.
      Files.deleteIfExists(dirs.attach().resolve(c.id()));
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

  /** Stops every container of the pod at once (SIGKILL), as StopPodSandbox does before the sandbox goes. */
  public void stopAll(String podId) {
    for (ContainerRecord c : store.list()) {
      if (c.podId().equals(podId)) {
        stop(c.id(), 0);
      }
    }
  }

  public void removeAll(String podId) {
    for (ContainerRecord c : store.list()) {
      if (c.podId().equals(podId)) {
        remove(c.id());
      }
    }
  }

  // ---- reading ----

  public ContainerRecord get(String idOrPrefix) {
    return exits.refresh(store.get(idOrPrefix).id());
  }

  public List<ContainerRecord> list() {
    return exits.refreshAll(store.list());
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

  public CgroupStats stats(String idOrPrefix) {
    ContainerRecord c = get(idOrPrefix);
    return pods.cgroups().stats(c.cgroupPath());
  }

  /** Bytes and inodes of the container's writable layer (the stats sampler measures every container's). */
  public long[] writableLayerUsage(String id) {
    return rootfs.writableLayer(id).map(FileTrees::usage).orElseGet(() -> new long[2]);
  }

  public void updateResources(String idOrPrefix, CgroupResources r) {
    ContainerRecord c = get(idOrPrefix);
    pods.cgroups().apply(c.cgroupPath(), r);
  }

  // ---- I/O ----

  public ExecResult execSync(String idOrPrefix, List<String> command, long timeoutSeconds) {
    ContainerRecord c = running(idOrPrefix);
    return io.execSync(c, runtime(c), command, timeoutSeconds);
  }

  /** Starts {@code command} in a running container for a streaming session (exec). */
  public InteractiveExec execInteractive(String idOrPrefix, List<String> command, boolean tty, TerminalSize size,
      boolean stdin, boolean stdout, boolean stderr) {
    ContainerRecord c = running(idOrPrefix);
    return io.execInteractive(c, runtime(c), command, tty, size, stdin, stdout, stderr);
  }

  /** Attaches to a running container's stdio through its conmon. */
  public AttachConnection attach(String idOrPrefix) {
    return io.attach(running(idOrPrefix));
  }

  /** Makes conmon reopen the log file (after kubelet rotated it). */
  public void reopenLog(String idOrPrefix) {
    io.reopenLog(running(idOrPrefix));
  }

  /**
   * Checkpoints the running container with CRIU into a tar archive at {@code location} (CRI-O's and containerd's
   * layout); it keeps running.
   */
  public void checkpoint(String idOrPrefix, Path location, long timeoutSeconds) {
    ContainerRecord c = running(idOrPrefix);
    checkpointer.checkpoint(c, runtime(c), location, timeoutSeconds);
  }

  @Override
  public void close() throws IOException {
    exits.close();
  }

  private ContainerRuntime runtime(ContainerRecord c) {
    return runtimes.get(c.runtimeHandler(), "container " + c.id());
  }

  private ReentrantLock lock(String id) {
    return locks.computeIfAbsent(id, k -> new ReentrantLock());
  }
}
