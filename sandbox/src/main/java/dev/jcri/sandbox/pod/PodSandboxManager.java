package dev.jcri.sandbox.pod;

import dev.jcri.common.Ids;
import dev.jcri.common.Log;
import dev.jcri.common.Undo;
import dev.jcri.sandbox.cgroup.CgroupManager;
import dev.jcri.sandbox.cgroup.MigrationPrimer;
import dev.jcri.sandbox.cni.CniNetwork;
import dev.jcri.sandbox.cni.CniResult;
import dev.jcri.sandbox.cni.PodNetwork;
import dev.jcri.sandbox.ns.NamespaceKind;
import dev.jcri.sandbox.ns.PodNamespaces;
import dev.jcri.sandbox.runtime.RuntimeHandlers;
import dev.jcri.sandbox.trace.StepObserver;
import dev.jcri.sandbox.trace.Timeline;
import io.opentelemetry.api.trace.Tracer;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Pod sandbox lifecycle: run (files, namespaces, cgroup, infra, network, each step undone when a later one
 * fails), stop (idempotent: the infra process, then the network), remove (idempotent: everything else), and
 * lookups. A pod's containers are stopped and removed before its sandbox by {@code PodTeardown}, above both,
 * so pods never call containers. Each pod has its own lock, so slow work on one pod never holds up another.
 */
public final class PodSandboxManager {

  private static final Log LOG = Log.of(PodSandboxManager.class);
  private static final Executor BESIDE = Executors
      .newThreadPerTaskExecutor(Thread.ofVirtual().name("pod-step-", 0).factory());

  /**
   * Where pods meet the kernel and the helpers: each is faked in the unit tests. {@code primer} readies the
   * kernel's cgroup migration lock while a pod whose infra process the runtime moves into a cgroup is made.
   */
  public record Seams(PodNamespaces namespaces, CgroupManager cgroups, PodNetwork network, PodInfra infra,
      ShmMounter shm, MigrationPrimer primer) {}

  private final PodSandboxStore store;
  private final Seams seams;
  private final Path podsDir;
  private final RuntimeHandlers handlers;
  private final Tracer tracer;
  private final StepObserver steps;
  private final PodNetworkAccess access;
  private final PodRecovery recovery;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  /**
   * @param podsDir where each pod's hostname, hosts, resolv.conf and shm live
   */
  public PodSandboxManager(PodSandboxStore store, Seams seams, Path podsDir, RuntimeHandlers handlers,
      Tracer tracer, StepObserver steps) {
    this.store = store;
    this.seams = seams;
    this.podsDir = podsDir;
    this.handlers = handlers;
    this.tracer = tracer;
    this.steps = steps;
    this.access = new PodNetworkAccess(seams.namespaces());
    this.recovery = new PodRecovery(store, seams, podsDir);
  }

  /** At start, before containers recover: pods whose namespaces are gone are NOTREADY. */
  public void recover() {
    recovery.reconcile();
  }

  /** At start, after containers recovered: removes what pod creations cut short by a crash left. */
  public int sweepUnfinished() {
    return recovery.sweepUnfinished();
  }

  // ---- run ----

  public PodSandbox run(PodSpec spec) {
    PodSpecValidator.validate(spec, handlers.names());
    String handler = spec.runtimeHandler().isEmpty() ? handlers.defaultName() : spec.runtimeHandler();
    String id = Ids.newId();
    Map<String, String> sysctls = Sysctls.validate(spec.sysctls(), spec.network() != NamespaceMode.NODE,
        spec.ipc() != NamespaceMode.NODE);
    store.reserve(spec.reservationKey(), id);
    Undo undo = new Undo();
    undo.push("release name", () -> store.release(spec.reservationKey(), id));
    Timeline timeline = new Timeline(tracer, steps, "pod", "jcri.pod_sandbox_id", id);
    ReentrantLock lock = lock(id);
    lock.lock();
    // The runtime's create of the infra process moves it into the pod's cgroup: the kernel's lock for that is
    // made ready while the steps before it run.
    MigrationPrimer.Hold primed = (spec.pid() == NamespaceMode.POD ? seams.primer() : MigrationPrimer.NONE).hold();
    try {
      boolean hostNet = spec.network() == NamespaceMode.NODE;
      boolean hostIpc = spec.ipc() == NamespaceMode.NODE;
      String hostname = PodSpecValidator.hostname(spec);
      String cgroupPath = seams.cgroups().podCgroup(spec.cgroupParent(), id);
      PodFiles files = files(id);
      // The pod's cgroup is made beside its files and namespaces, which do not need it; it is in place (or its
      // failure is the pod's) before the infra process starts in it and before anything touches the network.
      CompletableFuture<List<String>> cgroupMade = timeline.parallelStep("cgroup", () -> {
        List<String> created = seams.cgroups().create(cgroupPath);
        try {
          seams.cgroups().apply(cgroupPath, spec.resources().plus(spec.overhead()));
        } catch (RuntimeException e) {
          try {
            seams.cgroups().remove(created);
          } catch (RuntimeException suppressed) {
            e.addSuppressed(suppressed);
          }
          throw e;
        }
        return created;
      }, BESIDE);
      undo.push("remove cgroup", () -> {
        List<String> created = cgroupMade.exceptionally(e -> null).join();
        if (created != null) {
          seams.cgroups().remove(created);
        }
      });
      timeline.step("pod_files", () -> {
        files.create(spec.userns() == null ? null : spec.userns().hostRootGid());
        undo.push("remove pod files", files::delete);
        files.writeHostname(hostname);
        files.writeResolvConf(spec.dns());
      });
      if (!hostIpc) {
        timeline.step("shm", () -> {
          files.mountShm();
          undo.push("unmount shm", files::unmountShm);
        });
      }
      EnumSet<NamespaceKind> kinds = EnumSet.noneOf(NamespaceKind.class);
      if (!hostNet) {
        kinds.add(NamespaceKind.NET);
        kinds.add(NamespaceKind.UTS);
      }
      if (!hostIpc) {
        kinds.add(NamespaceKind.IPC);
      }
      PodNamespaces.Setup inside = new PodNamespaces.Setup(hostname, sysctls);
      Map<NamespaceKind, Path> pins = timeline.step("namespaces", () -> {
        Map<NamespaceKind, Path> made = spec.ownUserNamespace()
            ? seams.namespaces().createInUserNamespace(id, kinds, spec.userns().uidMap(), spec.userns().gidMap(),
                inside)
            : seams.namespaces().create(id, kinds, inside);
        undo.push("unpin namespaces", () -> made.values().forEach(seams.namespaces()::release));
        return made;
      });
      List<String> createdCgroups = joinStep(cgroupMade);
      Map<String, String> pinPaths = new LinkedHashMap<>();
      pins.forEach((k, p) -> pinPaths.put(k.procName(), p.toString()));
      CompletableFuture<Object> infraStarted = null;
      if (spec.pid() == NamespaceMode.POD) {
        // Started beside the network set-up, so the pod's first container does not wait for it.
        infraStarted = timeline.parallelStep("infra", () -> {
          seams.infra().ensure(id, handler, pinPaths, infraCgroup(cgroupPath, id), spec.userns());
          return null;
        }, BESIDE);
        var started = infraStarted;
        undo.push("remove infra", () -> {
          started.exceptionally(e -> null).join();
          seams.infra().remove(id, handler);
        });
      }
      CniResult net = null;
      if (!hostNet) {
        CniNetwork.PodRef ref = podRef(id, spec);
        undo.push("network teardown", () -> seams.network().del(id, ref));
        net = timeline.step("cni_add", () -> seams.network().add(ref, pins.get(NamespaceKind.NET),
            spec.portMappings()));
      }
      if (infraStarted != null) {
        joinStep(infraStarted);
      }
      primed.close();
      List<String> ips = net == null ? List.of() : net.ips();
      timeline.step("hosts_file", () -> files.writeHosts(hostname, ips, hostNet));
      PodSpec stored = new PodSpec(spec.name(), spec.namespace(), spec.uid(), spec.attempt(), hostname,
          spec.logDirectory(), spec.dns(), spec.portMappings(), spec.labels(), spec.annotations(), cgroupPath,
          spec.network(), spec.pid(), spec.ipc(), sysctls, handler, spec.overhead(), spec.resources(), spec.userns());
      PodSandbox pod = new PodSandbox(PodSandbox.VERSION, id, stored, PodSandbox.State.READY, Ids.nowNanos(), ips,
          pinPaths, cgroupPath, createdCgroups, !hostIpc, net == null ? "" : net.network(), timeline.steps());
      store.put(pod);
      undo.clear();
      LOG.info("pod sandbox ready", "id", id, "name", spec.name(), "namespace", spec.namespace(),
          "ip", ips.isEmpty() ? "" : ips.getFirst(), "timeline", timeline.steps());
      return pod;
    } catch (RuntimeException e) {
      throw undo.rollback(e, "RunPodSandbox " + spec.name());
    } catch (Error e) {
      throw undo.rollback(e, "RunPodSandbox " + spec.name());
    } finally {
      primed.close();
      lock.unlock();
    }
  }

  /** Waits for a step run beside others; its failure is the pod's. */
  private static <T> T joinStep(CompletableFuture<T> step) {
    try {
      return step.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  static CniNetwork.PodRef podRef(String id, PodSpec spec) {
    return new CniNetwork.PodRef(id, spec.name(), spec.namespace(), spec.uid());
  }

  /**
   * The PID namespace a container of a PID-sharing pod joins: its infra process's, started again when it is
   * gone (a reboot, an OOM kill).
   */
  public String sharedPidNamespace(PodSandbox pod) {
    int pid = seams.infra().ensure(pod.id(), pod.spec().runtimeHandler(), pod.pins(),
        infraCgroup(pod.cgroupPath(), pod.id()), pod.spec().userns());
    return "/proc/" + pid + "/ns/pid";
  }

  /** The pid of the pod's infra process (PID 1 of a PID-sharing pod) while it runs, else 0. */
  public int infraPid(PodSandbox pod) {
    return seams.infra().pid(pod.id()).orElse(0);
  }

  // ---- stop and remove ----

  /**
   * Stops the sandbox once its containers are stopped: the infra process, then the network; stopping a stopped
   * or missing pod succeeds.
   */
  public void stop(String idOrPrefix) {
    PodSandbox pod = store.findToEnd(idOrPrefix).orElse(null);
    if (pod == null) {
      return;
    }
    ReentrantLock lock = lock(pod.id());
    lock.lock();
    try {
      pod = store.get(pod.id());
      if (pod.spec().pid() == NamespaceMode.POD) {
        seams.infra().stop(pod.id(), pod.spec().runtimeHandler());
      }
      // NOTREADY is recorded before anything is torn down: a crash half-way leaves a pod that says it is
      // stopped and is stopped again (idempotently) by the next StopPodSandbox, never a READY pod without network.
      if (pod.state() != PodSandbox.State.NOTREADY) {
        pod = pod.withState(PodSandbox.State.NOTREADY);
        store.put(pod);
      }
      // DEL goes by the cached result, so it also runs when the namespace is gone (after a reboot) and does
      // nothing once done.
      if (pod.spec().network() != NamespaceMode.NODE) {
        seams.network().del(pod.id(), podRef(pod.id(), pod.spec()));
      }
      if (pod.pins().containsKey(NamespaceKind.NET.procName())) {
        seams.namespaces().release(Path.of(pod.pins().get(NamespaceKind.NET.procName())));
        pod = pod.withoutNetwork();
        store.put(pod);
      }
      LOG.info("pod sandbox stopped", "id", pod.id());
    } finally {
      lock.unlock();
    }
  }

  /** Removes the sandbox once its containers are removed, stopping it first; removing a missing pod succeeds. */
  public void remove(String idOrPrefix) {
    PodSandbox found = store.findToEnd(idOrPrefix).orElse(null);
    if (found == null) {
      return;
    }
    stop(found.id());
    ReentrantLock lock = lock(found.id());
    lock.lock();
    try {
      PodSandbox pod = store.find(found.id()).orElse(null);
      if (pod == null) {
        return;
      }
      seams.infra().remove(pod.id(), pod.spec().runtimeHandler());
      pod.pins().values().forEach(p -> seams.namespaces().release(Path.of(p)));
      PodFiles files = files(pod.id());
      if (pod.shmMounted()) {
        files.unmountShm();
      }
      seams.cgroups().remove(pod.createdCgroups());
      files.delete();
      store.delete(pod.id());
      LOG.info("pod sandbox removed", "id", pod.id());
    } finally {
      lock.unlock();
      locks.remove(found.id());
    }
  }

  // ---- reading ----

  public PodSandbox get(String idOrPrefix) {
    return store.get(idOrPrefix);
  }

  /** The pod of this full id, if there is one. */
  public Optional<PodSandbox> find(String id) {
    return store.find(id);
  }

  /** The pod of an id or a unique prefix of one, if any; an id that looks like none is not an error. */
  public Optional<PodSandbox> findToEnd(String idOrPrefix) {
    return store.findToEnd(idOrPrefix);
  }

  public List<PodSandbox> list() {
    return store.list();
  }

  public PodStats stats(String idOrPrefix) {
    PodSandbox pod = store.get(idOrPrefix);
    return new PodStats(seams.cgroups().stats(pod.cgroupPath()), access.interfaces(pod));
  }

  /** Opens a TCP connection to {@code port} on the pod's loopback, from inside its network namespace. */
  public SocketChannel dialPort(String idOrPrefix, int port) throws IOException {
    return access.dial(get(idOrPrefix), port);
  }

  /** Where a pod's hostname, hosts, resolv.conf and shm live. */
  public Path podFilesDir(String podId) {
    return podsDir.resolve(podId);
  }

  public CgroupManager cgroups() {
    return seams.cgroups();
  }

  private PodFiles files(String podId) {
    return new PodFiles(podsDir.resolve(podId), seams.shm());
  }

  private ReentrantLock lock(String id) {
    return locks.computeIfAbsent(id, k -> new ReentrantLock());
  }

  /** The infra process's cgroup, inside the pod's. */
  private String infraCgroup(String podCgroup, String podId) {
    return seams.cgroups().child(podCgroup, "infra-" + podId);
  }
}
