package dev.jcri.server;

import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.Log;
import dev.jcri.common.OwnerOnly;
import dev.jcri.image.ImageService;
import dev.jcri.image.registry.AuthFile;
import dev.jcri.image.registry.HostsDirectory;
import dev.jcri.image.registry.RegistryHosts;
import dev.jcri.sandbox.cdi.CdiRegistry;
import dev.jcri.sandbox.cgroup.CgroupManager;
import dev.jcri.sandbox.cgroup.MigrationPrimer;
import dev.jcri.sandbox.cgroup.systemd.DbusSystemdUnits;
import dev.jcri.sandbox.cgroup.systemd.SystemdCgroupManager;
import dev.jcri.sandbox.cgroup.systemd.SystemdUnits;
import dev.jcri.sandbox.cni.CniNetwork;
import dev.jcri.sandbox.container.ContainerManager;
import dev.jcri.sandbox.container.ContainerStore;
import dev.jcri.sandbox.pod.InfraContainers;
import dev.jcri.sandbox.pod.ShmMounter;
import dev.jcri.sandbox.runtime.ContainerRuntime;
import dev.jcri.sandbox.runtime.OciRuntime;
import dev.jcri.sandbox.runtime.ReadOnlyBinary;
import dev.jcri.sandbox.network.CniConfigDir;
import dev.jcri.sandbox.network.PodCidrStore;
import dev.jcri.sandbox.node.CgroupDriver;
import dev.jcri.sandbox.stats.StatsCollector;
import dev.jcri.sandbox.node.CgroupLayout;
import dev.jcri.sandbox.node.HugetlbMounter;
import dev.jcri.sandbox.ns.NamespacePinner;
import dev.jcri.sandbox.pod.PodSandboxManager;
import dev.jcri.sandbox.pod.PodSandboxStore;
import dev.jcri.sandbox.runtime.RuntimeHandlers;
import dev.jcri.sandbox.runtime.RuntimeOptions;
import dev.jcri.sandbox.trace.StepObserver;
import dev.jcri.server.config.JcriConfig;
import dev.jcri.server.grpc.CriServer;
import dev.jcri.server.grpc.ErrorMappingInterceptor;
import dev.jcri.server.grpc.RpcInstrumentationInterceptor;
import dev.jcri.server.grpc.SocketGuard;
import dev.jcri.server.grpc.StartGate;
import dev.jcri.server.rpc.ImageServiceImpl;
import dev.jcri.server.rpc.RuntimeConfigRpc;
import dev.jcri.server.rpc.RuntimeServiceImpl;
import dev.jcri.server.rpc.StatusRpc;
import dev.jcri.server.rpc.UpdateRuntimeConfigRpc;
import dev.jcri.server.rpc.VersionRpc;
import dev.jcri.server.stream.StreamServer;
import dev.jcri.server.telemetry.JcriMetrics;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** Wires the configuration into domain services and RPC classes, and runs the server until stopped. */
public final class JcriDaemon implements AutoCloseable {

  private static final Log LOG = Log.of(JcriDaemon.class);

  /** How long calls in flight may run on after SIGTERM before they are cancelled. */
  static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

  private final SocketGuard guard;
  private final CriServer server;
  private final StreamServer streams;
  private final ContainerManager containers;
  private final RuntimeHandlers runtimes;
  private final JcriMetrics metrics;
  private final StatsCollector stats;
  /** The systemd driver's bus connection, or null with cgroupfs. */
  private final SystemdUnits systemd;
  private boolean closed;

  private JcriDaemon(SocketGuard guard, CriServer server, StreamServer streams, ContainerManager containers,
      RuntimeHandlers runtimes, JcriMetrics metrics, StatsCollector stats, SystemdUnits systemd) {
    this.systemd = systemd;
    this.stats = stats;
    this.guard = guard;
    this.server = server;
    this.streams = streams;
    this.containers = containers;
    this.runtimes = runtimes;
    this.metrics = metrics;
  }

  /** The metrics endpoint's port, or -1 when metrics are off. */
  public int metricsPort() {
    return metrics == null ? -1 : metrics.port();
  }

  public static JcriDaemon start(JcriConfig config, OpenTelemetry openTelemetry) throws IOException {
    return start(config, openTelemetry, () -> {});
  }

  /**
   * Starts jcri: the socket is served as soon as it is jcri's (calls wait for the rest of the start, see
   * {@link StartGate}), then the state is read back and the services made.
   *
   * @param beforeChildren runs once the socket is bound, before the start runs any process (jcri's own
   *     process makes itself its helpers' subreaper there)
   */
  public static JcriDaemon start(JcriConfig config, OpenTelemetry openTelemetry, Runnable beforeChildren)
      throws IOException {
    CgroupDriver driver = cgroupDriver(config.cgroupDriver());
    Path root = config.rootPath();
    Path state = config.statePath();
    SocketGuard guard = SocketGuard.acquire(state, config.socketPath());
    StartPhases.mark("guard");
    StartGate gate = new StartGate();
    AtomicReference<ImageService> imagesMade = new AtomicReference<>();
    CriServer.EventLoops loops = CriServer.newEventLoops();
    CriServer server = null;
    try {
      server = CriServer.startGated(config.socketPath(), gate, loops,
          () -> imagesMade.get() != null && imagesMade.get().usageCurrent());
      guard.restrictSocket();
    } catch (IOException | RuntimeException e) {
      if (server != null) {
        server.shutdown(Duration.ZERO);
      } else {
        loops.boss().shutdownGracefully(0, 0, TimeUnit.SECONDS);
        loops.workers().shutdownGracefully(0, 0, TimeUnit.SECONDS);
      }
      guard.close();
      throw e;
    }
    StartPhases.mark("socket");
    RuntimeHandlers runtimes = null;
    SystemdUnits systemd = null;
    try {
      beforeChildren.run();
      new NodeDirs(root, state).secure();
      mountHugetlb();
      StartPhases.mark("dirs");
      PodCidrStore podCidr = new PodCidrStore(root.resolve("pod-cidr"));
      DefaultNetwork defaultNetwork = new DefaultNetwork(config.cni());
      defaultNetwork.install(podCidr.podCidr());
      StartPhases.mark("default-network");
      JcriMetrics metrics = config.metrics().address().isEmpty() ? null : new JcriMetrics(config.metrics().address());
      StepObserver steps = metrics == null ? StepObserver.NONE : metrics.stepObserver();
      Tracer sandboxTracer = openTelemetry.getTracer("dev.jcri.sandbox");
      systemd = driver == CgroupDriver.SYSTEMD ? DbusSystemdUnits.connect() : null;
      CgroupLayout layout = CgroupLayout.ofHost();
      CgroupManager files = CgroupManager.forHost(layout);
      CgroupManager cgroups = systemd == null ? files : new SystemdCgroupManager(systemd, files);
      MigrationPrimer primer = MigrationPrimer.forHost(layout);
      StartPhases.mark("cgroups");
      runtimes = runtimeHandlers(config, cgroups.systemd());
      StartPhases.mark("runtimes");
      CniNetwork network = new CniNetwork(new CniConfigDir(Path.of(config.cni().confDir())),
          config.cni().binDirs().stream().map(Path::of).toList(), root.resolve("cni-results"));
      PodSandboxManager.Seams seams = new PodSandboxManager.Seams(new NamespacePinner(state),
          cgroups, network, new InfraContainers(state.resolve("infra"), runtimes),
          ShmMounter.KERNEL, primer);
      PodSandboxManager pods = new PodSandboxManager(new PodSandboxStore(root.resolve("pods")), seams,
          state.resolve("pods"), runtimes, sandboxTracer, steps);
      StartPhases.mark("pods");
      ImageService images = new ImageService(imageSettings(config), openTelemetry.getTracer("dev.jcri.image"),
          metrics == null ? ImageService.PullObserver.NONE : metrics.pullObserver());
      StartPhases.mark("images");
      ContainerManager containers = new ContainerManager(new ContainerStore(root.resolve("containers")), pods, images,
          runtimes, new CdiRegistry(config.cdiSpecDirs().stream().map(Path::of).toList()), state, sandboxTracer, steps,
          primer);
      StartPhases.mark("containers");
      new Recovery(images, pods, containers).run();
      StartPhases.mark("recovery");
      containers.start();
      StartPhases.mark("exit-watch");
      StreamServer streams = StreamServer.start(config.stream(), loops.workers(), containers, pods);
      StatsCollector stats = new StatsCollector(containers, pods,
          Duration.ofSeconds(config.statsCollectionPeriodSeconds()));
      RuntimeServiceImpl runtime = new RuntimeServiceImpl(
          new VersionRpc(),
          new StatusRpc(new CniConfigDir(Path.of(config.cni().confDir())), new RuntimeInfo(config, driver)),
          new UpdateRuntimeConfigRpc(podCidr, defaultNetwork::install),
          new RuntimeConfigRpc(driver), pods, containers, stats, images.snapshotsDir().toString(), streams);
      StartPhases.mark("services");
      if (metrics != null) {
        metrics.start(pods::list, containers::list);
      }
      RpcInstrumentationInterceptor instrumentation = new RpcInstrumentationInterceptor(openTelemetry,
          metrics == null ? JcriMetrics.RpcObserver.NONE : metrics.rpcObserver());
      List<ServerInterceptor> interceptors = List.of(new ErrorMappingInterceptor(), instrumentation);
      imagesMade.set(images);
      gate.open(List.of(ServerInterceptors.intercept(runtime, interceptors),
          ServerInterceptors.intercept(new ImageServiceImpl(images), interceptors)));
      StartPhases.mark("gate");
      stats.start();
      // The first ImageFsInfo walks the snapshots; kubelet's first call then finds the figure made.
      Thread.ofVirtual().name("image-usage").start(() -> {
        try {
          images.usage();
        } catch (RuntimeException e) {
          LOG.warn("measuring the image store failed; ImageFsInfo will say why", "error", e.getMessage());
        }
      });
      return new JcriDaemon(guard, server, streams, containers, runtimes, metrics, stats, systemd);
    } catch (IOException | RuntimeException e) {
      gate.fail(e);
      server.shutdown(Duration.ofSeconds(1));
      if (runtimes != null) {
        runtimes.close();
      }
      if (systemd != null) {
        systemd.close();
      }
      guard.close();
      throw e;
    }
  }

  private static RuntimeHandlers runtimeHandlers(JcriConfig config, boolean systemdCgroup) {
    Map<String, ContainerRuntime> byName = new LinkedHashMap<>();
    try {
      // A runtime's root holds each container's state (runc's has its whole spec, environment included): only
      // jcri's, whether it lies in jcri's state directory or elsewhere, and tightened after an older install.
      config.runtimes().values().forEach(h -> OwnerOnly.dir(Path.of(h.root())));
      config.runtimes().forEach((name, h) -> byName.put(name, new OciRuntime(name,
          ReadOnlyBinary.bind(Path.of(h.path()), config.statePath().resolve("runtimes").resolve(name)),
          new RuntimeOptions(Path.of(h.root()), systemdCgroup), Path.of(config.conmon()))));
    } catch (RuntimeException e) {
      byName.values().forEach(ContainerRuntime::close);
      throw e;
    }
    return new RuntimeHandlers(byName, config.defaultRuntime());
  }

  static ImageService.Settings imageSettings(JcriConfig config) {
    JcriConfig.Registry r = config.registry();
    Map<String, List<String>> mirrors = new LinkedHashMap<>();
    r.mirrors().forEach((host, m) -> mirrors.put(host, m.endpoints()));
    List<Path> hostsDirs = r.configPath().isEmpty() ? List.of()
        : java.util.Arrays.stream(r.configPath().split(":")).map(Path::of).toList();
    return new ImageService.Settings(config.rootPath(), new RegistryHosts(mirrors, Set.copyOf(r.insecure()),
        new HostsDirectory(hostsDirs)),
        r.maxConcurrentDownloads(), r.maxLayerBytes(), r.maxImageBytes(), Set.copyOf(r.pinnedImages()),
        new AuthFile(r.authFile().isEmpty() ? null : Path.of(r.authFile())));
  }

  /**
   * Who manages cgroups: "auto" is systemd where systemd is init (as kubeadm sets kubelet's cgroupDriver, and
   * kubelet 1.28+ asks the runtime), cgroupfs elsewhere. systemd asked for where it is not init is refused.
   */
  public static CgroupDriver cgroupDriver(JcriConfig.CgroupDriverSetting setting) {
    return switch (setting) {
      case CGROUPFS -> CgroupDriver.CGROUPFS;
      case AUTO -> CgroupDriver.systemdRunning() ? CgroupDriver.SYSTEMD : CgroupDriver.CGROUPFS;
      case SYSTEMD -> {
        if (!CgroupDriver.systemdRunning()) {
          throw new FailedPreconditionException("cgroup_driver = \"systemd\", but systemd is not this node's init"
              + " (no /run/systemd/system): set cgroup_driver = \"cgroupfs\" (or \"auto\") and kubelet's"
              + " cgroupDriver: cgroupfs");
        }
        yield CgroupDriver.SYSTEMD;
      }
    };
  }

  private static void mountHugetlb() {
    try {
      HugetlbMounter.mountIfNeeded();
    } catch (RuntimeException e) {
      LOG.warn("containers will not start until this is fixed: " + e.getMessage());
    }
  }

  public Path socket() {
    return server.socket();
  }

  /** Where streaming URLs point: scheme, host and port. */
  public String streamBase() {
    return streams.base();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /** Stops serving (containers keep running), removes the socket and releases the state lock. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    streams.close();
    server.shutdown(SHUTDOWN_GRACE);
    if (metrics != null) {
      metrics.close();
    }
    stats.close();
    containers.close();
    runtimes.close();
    if (systemd != null) {
      systemd.close();
    }
    guard.close();
  }
}
