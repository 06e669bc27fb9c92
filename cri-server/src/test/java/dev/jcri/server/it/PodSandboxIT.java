package dev.jcri.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.cri.v1.DNSConfig;
import dev.jcri.cri.v1.LinuxPodSandboxConfig;
import dev.jcri.cri.v1.LinuxSandboxSecurityContext;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.ListPodSandboxStatsRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxFilter;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PodSandboxState;
import dev.jcri.cri.v1.PodSandboxStateValue;
import dev.jcri.cri.v1.PodSandboxStatsRequest;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.PodSandboxStatusResponse;
import dev.jcri.cri.v1.PortMapping;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.server.JcriDaemon;
import dev.jcri.server.config.ConfigLoader;
import dev.jcri.server.config.JcriConfig;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pods through the CRI socket on the real kernel with the real CNI plugins. */
class PodSandboxIT {

  @TempDir static Path dir;
  static TestPaths paths;
  static JcriConfig config;
  static JcriDaemon daemon;
  static CriSocket client;
  static PodNetworkFixture net;
  static final AtomicInteger names = new AtomicInteger();
  static final List<String> started = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    paths = new TestPaths(dir.resolve("jcri"));
    net = new PodNetworkFixture(paths.cniConfDir(), dir, "");
    config = ConfigLoader.fromToml(paths.toml(""), "test");
    daemon = JcriDaemon.start(config, OpenTelemetry.noop());
    client = new CriSocket(paths.socket());
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      client.close();
      daemon.close();
    } finally {
      net.close();
      Sweeper.sweep(dir, started);
    }
  }

  @AfterEach
  void removeAllPods() throws Exception {
    for (var p : client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
      client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
    }
    assertNoLeftovers();
  }

  static PodSandboxConfig.Builder pod(String name) {
    return PodSandboxConfig.newBuilder()
        .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("test")
            .setUid("uid-" + name + "-" + names.incrementAndGet()))
        .setHostname(name)
        .setLogDirectory(dir.resolve("logs/" + name).toString());
  }

  static String run(PodSandboxConfig.Builder config) {
    String id = client.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
        .getPodSandboxId();
    started.add(id);
    return id;
  }

  static PodSandboxStatusResponse status(String id, boolean verbose) {
    return client.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id)
        .setVerbose(verbose).build());
  }

  static Path pin(String kind, String id) {
    return paths.state().resolve(kind + "ns").resolve(id);
  }

  static String nsenter(String id, String... cmd) throws IOException, InterruptedException {
    String[] full = new String[cmd.length + 4];
    full[0] = "nsenter";
    full[1] = "--net=" + pin("net", id);
    full[2] = "--uts=" + pin("uts", id);
    full[3] = "--ipc=" + pin("ipc", id);
    System.arraycopy(cmd, 0, full, 4, cmd.length);
    return PodNetworkFixture.run(full).strip();
  }

  @Test
  void runPod_hasItsNamespacesHostnameSysctlsDnsAndAddress() throws Exception {
    String id = run(pod("web")
        .setDnsConfig(DNSConfig.newBuilder().addServers("10.96.0.10").addSearches("test.svc.cluster.local")
            .addOptions("ndots:5"))
        .setLinux(LinuxPodSandboxConfig.newBuilder()
            .putSysctls("net.ipv4.ip_unprivileged_port_start", "0")
            .putSysctls("kernel.shm_rmid_forced", "1")));

    PodSandboxStatusResponse s = status(id, true);
    assertEquals(PodSandboxState.SANDBOX_READY, s.getStatus().getState());
    String ip = s.getStatus().getNetwork().getIp();
    assertTrue(ip.startsWith(net.subnet.substring(0, net.subnet.lastIndexOf('.'))), ip);
    assertEquals("web", nsenter(id, "hostname"));
    assertEquals("0", nsenter(id, "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"));
    assertEquals("1", nsenter(id, "cat", "/proc/sys/kernel/shm_rmid_forced"));
    assertTrue(nsenter(id, "ip", "-4", "-o", "addr", "show", "eth0").contains(ip + "/24"));
    assertTrue(nsenter(id, "ip", "-o", "link", "show", "lo").contains("UP"), "lo is up");

    Path podDir = paths.state().resolve("pods").resolve(id);
    assertEquals("search test.svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n",
        Files.readString(podDir.resolve("resolv.conf")));
    assertTrue(Files.readString(podDir.resolve("hosts")).contains(ip + "\tweb\n"));
    assertEquals("web\n", Files.readString(podDir.resolve("hostname")));
    assertTrue(mounts().stream().anyMatch(m -> m.contains(podDir.resolve("shm") + " tmpfs")), "shm is a tmpfs");

    JsonNode info = new ObjectMapper().readTree(s.getInfoOrThrow("info"));
    List<String> steps = info.path("timeline").findValuesAsText("name");
    // The pod shares one PID namespace (pid POD, the default): its infra starts beside the CNI ADD; the cgroup is
    // made beside the files and namespaces.
    assertEquals(List.of("pod_files", "shm", "namespaces", "cni_add", "hosts_file"),
        steps.stream().filter(n -> !n.equals("infra") && !n.equals("cgroup")).toList());
    assertTrue(steps.contains("infra") && steps.contains("cgroup"), steps.toString());
    assertTrue(Files.isDirectory(NodeCgroups.dir("memory", info.path("cgroup_path").asText())));

    var stats = client.runtime().podSandboxStats(PodSandboxStatsRequest.newBuilder().setPodSandboxId(id).build());
    assertTrue(stats.getStats().getLinux().getNetwork().getDefaultInterface().getTxBytes().getValue() >= 0);
    assertEquals("eth0", stats.getStats().getLinux().getNetwork().getDefaultInterface().getName());
    assertEquals(1, client.runtime().listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance()).getStatsCount());
  }

  @Test
  void twoPods_reachEachOtherOverTcp_andHostPortReachesAPod() throws Exception {
    String a = run(pod("server").addPortMappings(PortMapping.newBuilder().setContainerPort(9000).setHostPort(19000)));
    String b = run(pod("client"));
    String ipA = status(a, false).getStatus().getNetwork().getIp();

    Process server = serveOnce(a, 9000, "hello-pod");
    try {
      assertEquals("hello-pod", nsenter(b, "busybox", "nc", ipA, "9000"));
    } finally {
      server.destroyForcibly().waitFor();
    }
    Process server2 = serveOnce(a, 9000, "hello-host");
    try (Socket s = connectWithRetry(19000); InputStream in = s.getInputStream()) {
      assertEquals("hello-host", new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
    } finally {
      server2.destroyForcibly().waitFor();
    }
  }

  private static Process serveOnce(String pod, int port, String reply) throws Exception {
    Process p = new ProcessBuilder("nsenter", "--net=" + pin("net", pod), "busybox", "nc", "-l", "-p",
        Integer.toString(port), "-e", "echo", reply).start();
    for (int i = 0; i < 100; i++) {
      if (nsenter(pod, "busybox", "netstat", "-ltn").contains(":" + port)) {
        return p;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the server in the pod did not listen");
  }

  private static Socket connectWithRetry(int port) throws Exception {
    IOException last = null;
    for (int i = 0; i < 50; i++) {
      try {
        return new Socket(InetAddress.getLoopbackAddress(), port);
      } catch (IOException e) {
        last = e;
        Thread.sleep(50);
      }
    }
    throw last;
  }

  @Test
  void hostNetworkAndIpcPod_getsNoNamespacesNoAddressNoShm() throws IOException {
    String id = run(pod("hostnet").setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(
        LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(NamespaceOption.newBuilder()
            .setNetwork(NamespaceMode.NODE).setIpc(NamespaceMode.NODE)))));
    var s = status(id, false).getStatus();
    assertEquals("", s.getNetwork().getIp());
    assertEquals(NamespaceMode.NODE, s.getLinux().getNamespaces().getOptions().getNetwork());
    assertFalse(Files.exists(pin("net", id)));
    assertFalse(Files.exists(pin("ipc", id)));
    assertEquals(Files.readString(Path.of("/etc/hosts")),
        Files.readString(paths.state().resolve("pods").resolve(id).resolve("hosts")));
    assertTrue(net.leasedIps().isEmpty(), "no address for a host-network pod");
  }

  @Test
  void sysctls_injectionAndNonNamespaced_areRefusedAndLeaveNothing() throws Exception {
    for (var bad : List.of(
        new String[] {"kernel.shm_rmid_forced", "1+kernel.core_pattern=|/tmp/x"},
        new String[] {"net.ipv4.ip_forward", "1\nkernel.core_pattern=x"},
        new String[] {"kernel.core_pattern", "|/tmp/x"},
        new String[] {"vm.swappiness", "1"},
        new String[] {"net.ipv4.ip_forward=1", "1"})) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> run(pod("sysctl")
          .setLinux(LinuxPodSandboxConfig.newBuilder().putSysctls(bad[0], bad[1]))));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), bad[0]);
      assertTrue(e.getStatus().getDescription().contains(bad[0].split("=")[0]), e.getStatus().getDescription());
    }
    StatusRuntimeException hostNet = assertThrows(StatusRuntimeException.class, () -> run(pod("sysctl")
        .setLinux(LinuxPodSandboxConfig.newBuilder().putSysctls("net.ipv4.ip_forward", "1")
            .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE))))));
    assertEquals(Status.Code.INVALID_ARGUMENT, hostNet.getStatus().getCode());
    assertNoLeftovers();
  }

  @Test
  void failureAtEachStep_isUndoneCompletely() throws Exception {
    // A sysctl the kernel does not have fails inside the new namespaces.
    StatusRuntimeException sysctl = assertThrows(StatusRuntimeException.class, () -> run(pod("bad-sysctl")
        .setLinux(LinuxPodSandboxConfig.newBuilder().putSysctls("net.ipv4.no_such_setting", "1"))));
    assertTrue(sysctl.getStatus().getDescription().contains("net.ipv4.no_such_setting"));
    assertNoLeftovers();

    // A cgroup parent that cannot be created (its parent is a file, on v1 and v2) fails after namespaces and shm.
    StatusRuntimeException cgroup = assertThrows(StatusRuntimeException.class, () -> run(pod("bad-cgroup")
        .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent("/cgroup.procs/pod-x"))));
    assertEquals(Status.Code.FAILED_PRECONDITION, cgroup.getStatus().getCode());
    assertNoLeftovers();

    // A conflist whose second plugin is missing fails after bridge gave the pod a veth and an address.
    Path good = paths.cniConfDir().resolve("10-test.conflist");
    String saved = Files.readString(good);
    Files.writeString(good, saved.replace("{\"type\": \"portmap\", \"capabilities\": {\"portMappings\": true}}",
        "{\"type\": \"portmap\", \"capabilities\": {\"portMappings\": true}}, {\"type\": \"no-such-plugin\"}"));
    try {
      StatusRuntimeException cni = assertThrows(StatusRuntimeException.class, () -> run(pod("bad-cni")));
      assertEquals(Status.Code.FAILED_PRECONDITION, cni.getStatus().getCode(), "a plugin the node lacks");
      assertTrue(cni.getStatus().getDescription().contains("no-such-plugin"), cni.getStatus().getDescription());
      assertNoLeftovers();
    } finally {
      Files.writeString(good, saved);
    }

    // A broken config file (not JSON) only: the network is not ready and the pod fails cleanly.
    Files.writeString(good, "{not json");
    try {
      StatusRuntimeException broken = assertThrows(StatusRuntimeException.class, () -> run(pod("broken-conf")));
      assertTrue(broken.getStatus().getDescription().contains("not valid JSON"), broken.getStatus().getDescription());
      assertNoLeftovers();
    } finally {
      Files.writeString(good, saved);
    }
  }

  @Test
  void stopAndRemove_areIdempotent_namesReserved_lookupsAndFilters() {
    String id = run(pod("twice").putLabels("app", "x"));
    PodSandboxConfig.Builder same = pod("twice");
    same.setMetadata(status(id, false).getStatus().getMetadata());
    StatusRuntimeException dup = assertThrows(StatusRuntimeException.class, () -> run(same));
    assertEquals(Status.Code.ALREADY_EXISTS, dup.getStatus().getCode());
    assertTrue(dup.getStatus().getDescription().contains(id));

    StatusRuntimeException handler = assertThrows(StatusRuntimeException.class, () -> client.runtime().runPodSandbox(
        RunPodSandboxRequest.newBuilder().setConfig(pod("h")).setRuntimeHandler("kata").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, handler.getStatus().getCode());

    assertEquals(1, client.runtime().listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(
        PodSandboxFilter.newBuilder().putLabelSelector("app", "x")).build()).getItemsCount());
    assertEquals(0, client.runtime().listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(
        PodSandboxFilter.newBuilder().putLabelSelector("app", "y")).build()).getItemsCount());
    assertEquals(1, client.runtime().listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(
        PodSandboxFilter.newBuilder().setId(id.substring(0, 12))).build()).getItemsCount());

    client.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    client.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    assertEquals(PodSandboxState.SANDBOX_NOTREADY, status(id, false).getStatus().getState());
    assertFalse(Files.exists(pin("net", id)), "stop releases the network namespace");
    assertEquals(1, client.runtime().listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(
        PodSandboxFilter.newBuilder().setState(PodSandboxStateValue.newBuilder()
            .setState(PodSandboxState.SANDBOX_NOTREADY))).build()).getItemsCount());

    client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    client.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> status(id, false));
    assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
    StatusRuntimeException badId = assertThrows(StatusRuntimeException.class, () -> status("../../etc", false));
    assertEquals(Status.Code.INVALID_ARGUMENT, badId.getStatus().getCode());

    run(same);
  }

  @Test
  void pods_surviveARestartOfJcri() throws Exception {
    String id = run(pod("durable"));
    daemon.close();
    daemon = JcriDaemon.start(config, OpenTelemetry.noop());
    client.close();
    client = new CriSocket(paths.socket());
    var s = status(id, false).getStatus();
    assertEquals(PodSandboxState.SANDBOX_READY, s.getState());
    assertTrue(Files.exists(pin("net", id)));
  }

  @Test
  void podWhoseNamespacesWentWhileJcriWasDown_isNotReady_andStillStopsCleanly() throws Exception {
    String id = run(pod("rebooted"));
    assertEquals(1, net.leasedIps().size());
    daemon.close();
    // What a reboot (or a stop cut short after the teardown) leaves: the record says READY, the pins are gone.
    dev.jcri.sandbox.ns.NamespacePinner.unpin(pin("net", id));
    daemon = JcriDaemon.start(config, OpenTelemetry.noop());
    client.close();
    client = new CriSocket(paths.socket());
    assertEquals(PodSandboxState.SANDBOX_NOTREADY, status(id, false).getStatus().getState());
    client.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    assertEquals(List.of(), net.leasedIps(), "the network was torn down from its cached result");
    client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
  }

  @Test
  void leftoversOfACreationCutShort_areRemovedAtStart() throws Exception {
    // What a crash in the middle of RunPodSandbox leaves: pins, pod files with their shm mount, a pod cgroup,
    // an IP lease with a veth and a cached CNI result -- all real, and no pod record naming them.
    String id = dev.jcri.common.Ids.newId();
    started.add(id);
    // A pod with its own user namespace: four pins.
    var pins = new dev.jcri.sandbox.ns.NamespacePinner(paths.state()).createInUserNamespace(id,
        java.util.EnumSet.of(dev.jcri.sandbox.ns.NamespaceKind.NET, dev.jcri.sandbox.ns.NamespaceKind.IPC,
            dev.jcri.sandbox.ns.NamespaceKind.UTS), "0 4000000 65536\n", "0 4000000 65536\n", k -> { });
    assertEquals(4, pins.size());
    Path shm = Files.createDirectories(paths.state().resolve("pods").resolve(id).resolve("shm"));
    dev.jcri.common.Libc.INSTANCE.mount("shm", shm.toString(), "tmpfs", 0, "size=1m");
    var cgroups = dev.jcri.sandbox.cgroup.CgroupManager.forHost(dev.jcri.sandbox.node.CgroupLayout.ofHost());
    cgroups.create("/jcri/pod-" + id);
    var cni = new dev.jcri.sandbox.cni.CniNetwork(new dev.jcri.sandbox.network.CniConfigDir(paths.cniConfDir()),
        List.of(Path.of("/usr/lib/cni")), paths.root().resolve("cni-results"));
    cni.add(new dev.jcri.sandbox.cni.CniNetwork.PodRef(id, "crashed", "test", "u"),
        pins.get(dev.jcri.sandbox.ns.NamespaceKind.NET), List.of());
    assertEquals(1, net.leasedIps().size());

    daemon.close();
    daemon = JcriDaemon.start(config, OpenTelemetry.noop());
    client.close();
    client = new CriSocket(paths.socket());

    assertNoLeftovers();
    assertFalse(cgroups.exists("/jcri/pod-" + id));
  }

  /**
   * A crash after a PID-sharing pod's infra started but before the pod was recorded: at start the infra goes
   * (process, runtime state, bundle) along with the rest, before the pod's cgroup is removed.
   */
  @Test
  void infraOfAPodNeverRecorded_isRemovedAtStart() throws Exception {
    String id = run(pod("unrecorded"));
    Path infra = paths.state().resolve("infra").resolve(id);
    int pid = Integer.parseInt(Files.readString(infra.resolve("pid")).strip());
    assertTrue(Files.readString(Path.of("/proc/" + pid + "/cmdline")).contains("catatonit"));
    daemon.close();
    Files.delete(paths.root().resolve("pods").resolve(id + ".json"));
    daemon = JcriDaemon.start(config, OpenTelemetry.noop());
    client.close();
    client = new CriSocket(paths.socket());
    assertFalse(Files.exists(infra), "infra bundle removed");
    assertTrue(!Files.exists(Path.of("/proc/" + pid)) || Files.readString(Path.of("/proc/" + pid + "/stat"))
        .contains(") Z "), "infra process killed");
    assertNoLeftovers();
  }

  static List<String> mounts() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mounts"));
  }

  static void assertNoLeftovers() throws Exception {
    assertEquals(List.of(), MountTable.leftUnder(dir), "mounts");
    for (String kind : List.of("netns", "ipcns", "utsns", "userns", "pods")) {
      Path d = paths.state().resolve(kind);
      if (Files.isDirectory(d)) {
        try (Stream<Path> s = Files.list(d)) {
          assertEquals(List.of(), s.toList(), kind);
        }
      }
    }
    assertEquals(List.of(), net.attachedLinks(), "veths on the test bridge");
    assertEquals(List.of(), net.leasedIps(), "host-local leases");
    assertTrue(!hasPodCgroups(NodeCgroups.dir("memory", "/jcri")), "pod cgroups");
    try (Stream<Path> s = Files.list(paths.root().resolve("cni-results"))) {
      assertEquals(0, s.count(), "cached CNI results");
    } catch (java.nio.file.NoSuchFileException e) {
      // never used
    }
    TimeUnit.MILLISECONDS.sleep(1);
  }

  private static boolean hasPodCgroups(Path jcriCgroup) {
    try (Stream<Path> s = Files.list(jcriCgroup)) {
      return s.map(p -> p.getFileName().toString()).anyMatch(n -> n.startsWith("pod-") && !NodeCgroups.others(n));
    } catch (IOException e) {
      return false;
    }
  }
}
