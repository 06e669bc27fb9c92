package dev.jcri.sandbox.pod;

import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.Ids;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Log;
import dev.jcri.sandbox.cgroup.CgroupManager;
import dev.jcri.sandbox.cgroup.CgroupStats;
import dev.jcri.sandbox.cni.CniNetwork;
import dev.jcri.sandbox.cni.CniResult;
import dev.jcri.sandbox.ns.Loopback;
import dev.jcri.sandbox.ns.NamespaceKind;
import dev.jcri.sandbox.ns.NamespacePinner;
import dev.jcri.sandbox.trace.StepObserver;
import dev.jcri.sandbox.trace.Timeline;
import io.opentelemetry.api.trace.Tracer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Pod sandbox lifecycle: run (namespaces, files, cgroup, network, each step undone when a later one fails),
 * stop (idempotent: containers, then the network), remove (idempotent: everything else), and lookups.
 * Each pod has its own lock, so slow work on one pod never holds up another.
 */
public final class PodSandboxManager {

  private static final Log LOG = Log.of(PodSandboxManager.class);
  /** Pods whose kubelet gives no cgroup parent go here. */
  static final String DEFAULT_CGROUP_PARENT = "/jcri";

  /** Stops and removes the containers of a pod; the container service provides it. */
  public interface ContainerReaper {
    void stopAll(String podId);

    void removeAll(String podId);
  }

  /**
   * The PID-1 holder of a pod whose containers share one PID namespace; the container service provides it.
   * It starts while the pod's network is set up, so the pod's first container does not wait for it.
   */
  public interface PodInfra {
    /** @param userNsRootGid the node gid of root in the pod's user namespace, or null without one */
    void start(String podId, String handler, Map<String, String> pins, String cgroupPath, Long userNsRootGid);

    void remove(String podId, String handler);
  }

  private static final Executor BESIDE = Executors
      .newThreadPerTaskExecutor(Thread.ofVirtual().name("pod-step-", 0).factory());

  private final PodSandboxStore store;
  private final NamespacePinner pinner;
  private final CgroupManager cgroups;
  private final CniNetwork network;
  private final Path podsDir;
  private final Set<String> runtimeHandlers;
  private final String defaultHandler;
  private final Tracer tracer;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private volatile ContainerReaper reaper = new ContainerReaper() {
    @Override
    public void stopAll(String podId) {}

    @Override
    public void removeAll(String podId) {}
  };

  public PodSandboxManager(PodSandboxStore store, NamespacePinner pinner, CgroupManager cgroups, CniNetwork network,
      Path podsDir, Set<String> runtimeHandlers, String defaultHandler, Tracer tracer) {
    this.store = store;
    this.pinner = pinner;
    this.cgroups = cgroups;
    this.network = network;
    this.podsDir = podsDir;
    this.runtimeHandlers = Set.copyOf(runtimeHandlers);
    this.defaultHandler = defaultHandler;
    this.tracer = tracer;
    reconcile();
  }

  /**
   * At start: a pod listed READY whose namespace pins are gone (a stop cut short, a reboot) is NOTREADY, and
   * forgets the pins that are gone, so what is listed is what is there.
   */
  private void reconcile() {
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

  private volatile StepObserver steps = StepObserver.NONE;

  public void setStepObserver(StepObserver observer) {
    this.steps = observer;
  }

  private volatile PodInfra infra;

  public void setPodInfra(PodInfra infra) {
    this.infra = infra;
  }

  public void setContainerReaper(ContainerReaper reaper) {
    this.reaper = reaper;
  }

  public PodSandboxStore store() {
    return store;
  }

  // ---- run ----

  public PodSandbox run(PodSpec spec) {
    validate(spec);
    String handler = spec.runtimeHandler().isEmpty() ? defaultHandler : spec.runtimeHandler();
    String id = Ids.newId();
    Map<String, String> sysctls = Sysctls.validate(spec.sysctls(), spec.network() != NamespaceMode.NODE,
        spec.ipc() != NamespaceMode.NODE);
    store.reserve(spec.reservationKey(), id);
    Undo undo = new Undo();
    undo.push("release name", () -> store.release(spec.reservationKey(), id));
    Timeline timeline = new Timeline(tracer, steps, "pod", "jcri.pod_sandbox_id", id);
    ReentrantLock lock = lock(id);
    lock.lock();
    try {
      boolean hostNet = spec.network() == NamespaceMode.NODE;
      boolean hostIpc = spec.ipc() == NamespaceMode.NODE;
      String hostname = hostname(spec, hostNet);
      PodFiles files = new PodFiles(podsDir.resolve(id));
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
      Consumer<Set<NamespaceKind>> inside = in -> {
        if (in.contains(NamespaceKind.UTS)) {
          NamespacePinner.setHostname(hostname);
        }
        if (in.contains(NamespaceKind.NET)) {
          Loopback.up();
        }
        sysctls.forEach(NamespacePinner::writeSysctl);
      };
      if (spec.ownUserNamespace() && (hostNet || hostIpc)) {
        throw new InvalidArgumentException("a pod with its own user namespace cannot use the node's network or IPC"
            + " namespace");
      }
      Map<NamespaceKind, Path> pins = timeline.step("namespaces", () -> {
        Map<NamespaceKind, Path> made = spec.ownUserNamespace()
            ? pinner.createInUserNamespace(id, kinds, spec.userns().uidMap(), spec.userns().gidMap(), inside)
            : pinner.create(id, kinds, inside);
        undo.push("unpin namespaces", () -> made.values().forEach(NamespacePinner::unpin));
        return made;
      });
      String cgroupPath = spec.cgroupParent().isEmpty() ? DEFAULT_CGROUP_PARENT + "/pod-" + id : spec.cgroupParent();
      List<String> createdCgroups = timeline.step("cgroup", () -> {
        List<String> created = cgroups.create(cgroupPath);
        undo.push("remove cgroup", () -> cgroups.remove(created));
        cgroups.apply(cgroupPath, spec.resources().plus(spec.overhead()));
        return created;
      });
      Map<String, String> pinPaths = new LinkedHashMap<>();
      pins.forEach((k, p) -> pinPaths.put(k.procName(), p.toString()));
      PodInfra podInfra = infra;
      CompletableFuture<Object> infraStarted = null;
      if (spec.pid() == NamespaceMode.POD && podInfra != null) {
        infraStarted = timeline.parallelStep("infra", () -> {
          podInfra.start(id, handler, pinPaths, cgroupPath,
              spec.userns() == null ? null : spec.userns().hostRootGid());
          return null;
        }, BESIDE);
        var started = infraStarted;
        undo.push("remove infra", () -> {
          started.exceptionally(e -> null).join();
          podInfra.remove(id, handler);
        });
      }
      CniResult net = null;
      if (!hostNet) {
        CniNetwork.PodRef ref = podRef(id, spec);
        undo.push("network teardown", () -> network.del(id, ref));
        net = timeline.step("cni_add", () -> network.add(ref, pins.get(NamespaceKind.NET), spec.portMappings()));
      }
      if (infraStarted != null) {
        joinStep(infraStarted);
      }
      List<String> ips = net == null ? List.of() : net.ips();
      timeline.step("hosts_file", () -> files.writeHosts(hostname, ips, hostNet));
      PodSpec stored = new PodSpec(spec.name(), spec.namespace(), spec.uid(), spec.attempt(), hostname,
          spec.logDirectory(), spec.dns(), spec.portMappings(), spec.labels(), spec.annotations(), cgroupPath,
          spec.network(), spec.pid(), spec.ipc(), sysctls, handler, spec.overhead(), spec.resources(), spec.userns());
      PodSandbox pod = new PodSandbox(PodSandbox.VERSION, id, stored, PodSandbox.State.READY, Ids.nowNanos(), ips, pinPaths,
          cgroupPath, createdCgroups, !hostIpc, net == null ? "" : net.network(), timeline.steps());
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
      lock.unlock();
    }
  }

  /** Waits for a step run beside others; its failure is the pod's. */
  private static void joinStep(CompletableFuture<?> step) {
    try {
      step.join();
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

  private void validate(PodSpec spec) {
    if (spec.name().isEmpty() || spec.namespace().isEmpty() || spec.uid().isEmpty()) {
      throw new InvalidArgumentException("pod metadata needs name, namespace and uid (got name \"" + spec.name()
          + "\", namespace \"" + spec.namespace() + "\", uid \"" + spec.uid() + "\")");
    }
    if (!spec.logDirectory().isEmpty() && (!spec.logDirectory().startsWith("/")
        || Path.of(spec.logDirectory()).normalize().toString().length() != spec.logDirectory().replaceAll("/+$", "")
            .length() || spec.logDirectory().indexOf('\0') >= 0)) {
      throw new InvalidArgumentException("log_directory \"" + spec.logDirectory() + "\" must be an absolute, normalised"
          + " path");
    }
    for (String label : List.of(spec.name(), spec.namespace(), spec.uid())) {
      if (label.length() > 253 || label.chars().anyMatch(ch -> ch < 0x20)) {
        throw new InvalidArgumentException("pod metadata name, namespace and uid are at most 253 printable"
            + " characters");
      }
    }
    if (!spec.runtimeHandler().isEmpty() && !runtimeHandlers.contains(spec.runtimeHandler())) {
      throw new InvalidArgumentException("runtime handler \"" + spec.runtimeHandler() + "\" is not configured"
          + " (configured: " + String.join(", ", runtimeHandlers.stream().sorted().toList()) + ")");
    }
    if (spec.network() == NamespaceMode.CONTAINER || spec.network() == NamespaceMode.TARGET
        || spec.ipc() == NamespaceMode.CONTAINER || spec.ipc() == NamespaceMode.TARGET) {
      throw new InvalidArgumentException("a pod's network and IPC namespaces are POD or NODE");
    }
    for (var p : spec.portMappings()) {
      if (p.containerPort() <= 0 || p.containerPort() > 65535 || p.hostPort() < 0 || p.hostPort() > 65535) {
        throw new InvalidArgumentException("port mapping " + p.hostPort() + "->" + p.containerPort()
            + " is out of range 1..65535");
      }
    }
    if (!spec.hostname().isEmpty() && !spec.hostname().matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,62})")) {
      throw new InvalidArgumentException("hostname \"" + spec.hostname().replaceAll("\\p{Cntrl}", "?")
          + "\" is not a valid host name (at most 64 letters, digits, '-' and '.')");
    }
    validateDns(spec.dns());
  }

  /**
   * Each DNS entry becomes a word of the pod's resolv.conf: a newline or other control character would add lines
   * of the pod author's choosing (another nameserver), so entries are single words of printable characters.
   */
  public static void validateDns(PodSpec.Dns dns) {
    for (String server : dns.servers()) {
      if (!server.matches("[0-9A-Fa-f.:]{2,45}(%[A-Za-z0-9_.-]{1,15})?")) {
        throw new InvalidArgumentException("DNS server \"" + server.replaceAll("\\p{Cntrl}", "?")
            + "\" is not an IP address");
      }
    }
    for (var field : List.of(Map.entry("search domain", dns.searches()),
        Map.entry("option", dns.options()))) {
      for (String v : field.getValue()) {
        if (v.isEmpty() || v.length() > 253 || v.chars().anyMatch(ch -> ch <= 0x20 || ch == 0x7f)) {
          throw new InvalidArgumentException("DNS " + field.getKey() + " \"" + v.replaceAll("\\p{Cntrl}", "?")
              + "\" must be one word of at most 253 printable characters (no spaces, newlines or control"
              + " characters)");
        }
      }
    }
    if (dns.servers().size() + dns.searches().size() + dns.options().size() > 256) {
      throw new InvalidArgumentException("DNS config has more than 256 servers, search domains and options");
    }
  }

  private static String hostname(PodSpec spec, boolean hostNet) {
    if (!spec.hostname().isEmpty()) {
      return spec.hostname();
    }
    if (hostNet) {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        return "localhost";
      }
    }
    String n = spec.name().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
    return n.length() > 63 ? n.substring(0, 63) : n;
  }

  static CniNetwork.PodRef podRef(String id, PodSpec spec) {
    return new CniNetwork.PodRef(id, spec.name(), spec.namespace(), spec.uid());
  }

  // ---- stop and remove ----

  /** Stops the pod's containers and tears its network down; stopping a stopped or missing pod succeeds. */
  public void stop(String idOrPrefix) {
    PodSandbox pod = store.findToEnd(idOrPrefix).orElse(null);
    if (pod == null) {
      return;
    }
    ReentrantLock lock = lock(pod.id());
    lock.lock();
    try {
      pod = store.get(pod.id());
      reaper.stopAll(pod.id());
      // NOTREADY is recorded before anything is torn down: a crash half-way leaves a pod that says it is
      // stopped and is stopped again (idempotently) by the next StopPodSandbox, never a READY pod without network.
      if (pod.state() != PodSandbox.State.NOTREADY) {
        pod = pod.withState(PodSandbox.State.NOTREADY);
        store.put(pod);
      }
      // DEL goes by the cached result, so it also runs when the namespace is gone (after a reboot) and does
      // nothing once done.
      if (pod.spec().network() != NamespaceMode.NODE) {
        network.del(pod.id(), podRef(pod.id(), pod.spec()));
      }
      if (pod.pins().containsKey("net")) {
        NamespacePinner.unpin(Path.of(pod.pins().get("net")));
        pod = pod.withoutNetwork();
        store.put(pod);
      }
      LOG.info("pod sandbox stopped", "id", pod.id());
    } finally {
      lock.unlock();
    }
  }


  /** Removes the pod with its containers, stopping it first; removing a missing pod succeeds. */
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
      reaper.removeAll(pod.id());
      pod.pins().values().forEach(p -> NamespacePinner.unpin(Path.of(p)));
      PodFiles files = new PodFiles(podsDir.resolve(pod.id()));
      if (pod.shmMounted()) {
        files.unmountShm();
      }
      cgroups.remove(pod.createdCgroups());
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

  public List<PodSandbox> list() {
    return store.list();
  }

  /** Network counters of a pod's eth0 and lo, read inside its namespace. */
  public record NetStats(String iface, long rxBytes, long rxErrors, long txBytes, long txErrors) {}

  public record PodStats(CgroupStats cgroup, List<NetStats> interfaces) {}

  public PodStats stats(String idOrPrefix) {
    PodSandbox pod = store.get(idOrPrefix);
    CgroupStats c = cgroups.stats(pod.cgroupPath());
    List<NetStats> net = List.of();
    String pin = pod.pins().get("net");
    if (pin != null) {
      net = NamespacePinner.inNamespace(Path.of(pin), NamespaceKind.NET, PodSandboxManager::readNetDev);
    }
    return new PodStats(c, net);
  }

  private static List<NetStats> readNetDev() {
    try {
      List<NetStats> out = new ArrayList<>();
      for (String line : Files.readAllLines(Path.of("/proc/thread-self/net/dev"))) {
        int colon = line.indexOf(':');
        if (colon < 0) {
          continue;
        }
        String iface = line.substring(0, colon).strip();
        String[] f = line.substring(colon + 1).strip().split("\\s+");
        out.add(new NetStats(iface, Long.parseLong(f[0]), Long.parseLong(f[2]), Long.parseLong(f[8]),
            Long.parseLong(f[10])));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Opens a TCP connection to {@code port} on the pod's loopback: the socket is made by a thread inside the
   * pod's network namespace (the node's, for a host-network pod), then connected from here. IPv4 first, then
   * IPv6, as a server may listen on either.
   */
  public SocketChannel dialPort(String idOrPrefix, int port) throws IOException {
    if (port < 1 || port > 65535) {
      throw new InvalidArgumentException("port " + port + " is out of range 1-65535");
    }
    PodSandbox pod = get(idOrPrefix);
    if (pod.state() != PodSandbox.State.READY) {
      throw new FailedPreconditionException("pod sandbox " + pod.id() + " is not ready");
    }
    String pin = pod.pins().get(NamespaceKind.NET.procName());
    IOException last = null;
    for (InetAddress loopback : List.of(InetAddress.getByName("127.0.0.1"),
        InetAddress.getByName("::1"))) {
      SocketChannel ch = openSocket(pin, loopback instanceof Inet6Address);
      try {
        ch.connect(new InetSocketAddress(loopback, port));
        return ch;
      } catch (IOException e) {
        ch.close();
        if (last != null) {
          e.addSuppressed(last);
        }
        last = e;
      }
    }
    throw last;
  }

  private static SocketChannel openSocket(String netnsPin, boolean ipv6) throws IOException {
    ProtocolFamily family = ipv6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    if (netnsPin == null) {
      return SocketChannel.open(family);
    }
    try {
      return NamespacePinner.inNamespace(Path.of(netnsPin), NamespaceKind.NET, () -> {
        try {
          return SocketChannel.open(family);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** Where a pod's hostname, hosts, resolv.conf and shm live. */
  public Path podFilesDir(String podId) {
    return podsDir.resolve(podId);
  }

  public CgroupManager cgroups() {
    return cgroups;
  }

  private ReentrantLock lock(String id) {
    return locks.computeIfAbsent(id, k -> new ReentrantLock());
  }

}
