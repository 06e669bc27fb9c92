package dev.jcri.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.util.JsonFormat;
import dev.jcri.common.Json;
import dev.jcri.cri.v1.CDIDevice;
import dev.jcri.cri.v1.Capability;
import dev.jcri.cri.v1.CheckpointContainerRequest;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerFilter;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStatsRequest;
import dev.jcri.cri.v1.ContainerStatus;
import dev.jcri.cri.v1.ContainerStatusRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.cri.v1.IDMapping;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.Int64Value;
import dev.jcri.cri.v1.KeyValue;
import dev.jcri.cri.v1.LinuxContainerConfig;
import dev.jcri.cri.v1.LinuxContainerResources;
import dev.jcri.cri.v1.LinuxContainerSecurityContext;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.Mount;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxFilter;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemoveImageRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RuntimeHandler;
import dev.jcri.cri.v1.StartContainerRequest;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.StatusResponse;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.StreamContainerStatsRequest;
import dev.jcri.cri.v1.StreamContainersRequest;
import dev.jcri.cri.v1.StreamImagesRequest;
import dev.jcri.cri.v1.StreamPodSandboxMetricsRequest;
import dev.jcri.cri.v1.StreamPodSandboxStatsRequest;
import dev.jcri.cri.v1.StreamPodSandboxesRequest;
import dev.jcri.cri.v1.SupplementalGroupsPolicy;
import dev.jcri.cri.v1.UserNamespace;
import dev.jcri.image.testing.RegistryPusher;
import dev.jcri.image.testing.TestImage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real containers under conmon with crun and runc, from images pushed to a local registry. */
class ContainerIT {

  @TempDir static Path dir;
  static JcriFixture fixture;
  static TestPaths paths;
  static CriSocket client;
  static PodNetworkFixture net;

  @BeforeAll
  static void start() throws Exception {
    fixture = JcriFixture.start(dir);
    paths = fixture.paths;
    client = fixture.client;
    net = fixture.net;
    w = fixture.workloads;
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  /** Stops jcri, runs {@code whileDown}, starts it again and talks to the new one. */
  static void restartJcri(JcriFixture.WhileDown whileDown) throws Exception {
    fixture.restart(whileDown);
    client = fixture.client;
  }

  @AfterEach
  void removePods() throws Exception {
    for (var p : client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
      client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
    }
    assertEquals(0, client.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount());
    PodSandboxIT.class.getName();
    assertEquals(List.of(), MountTable.leftUnder(dir), "mounts left");
    assertEquals(List.of(), net.attachedLinks());
    try (var left = Files.list(paths.state().resolve("attach"))) {
      assertEquals(List.of(), left.toList(), "no attach links of removed containers");
    }
    assertEquals(0, Files.getAttribute(Path.of("/dev/null"), "unix:uid"), "the node's /dev/null is still root's");
  }

  static Workloads w;

  static PodSandboxConfig.Builder podConfig(NamespaceMode pid) {
    return w.podConfig(pid);
  }

  static String runPod(PodSandboxConfig.Builder config, String handler) {
    return w.runPod(config, handler);
  }

  static ContainerConfig.Builder ctr(String name, String... command) {
    return w.ctr(name, command);
  }

  static String create(String pod, PodSandboxConfig.Builder podConfig, ContainerConfig.Builder c) {
    return w.create(pod, podConfig, c);
  }

  static String run(String pod, PodSandboxConfig.Builder podConfig, ContainerConfig.Builder c) {
    return w.run(pod, podConfig, c);
  }

  static ContainerStatus status(String id) {
    return w.status(id);
  }

  static ExecSyncResponse exec(String id, String... cmd) {
    return w.exec(id, cmd);
  }

  static ContainerStatus awaitExit(String id) throws InterruptedException {
    return w.awaitExit(id);
  }

  @Test
  void lifecycle_logsExecStopRemove() throws Exception {
    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    String id = run(pod, pc, ctr("main", "/bin/sh", "-c", "echo out-line; echo err-line >&2; exec sleep 3600")
        .addEnvs(KeyValue.newBuilder().setKey("GREETING").setValue(com.google.protobuf.ByteString.copyFromUtf8("hi"))).setWorkingDir("/tmp"));
    ContainerStatus s = status(id);
    assertEquals(ContainerState.CONTAINER_RUNNING, s.getState());
    assertTrue(s.getStartedAt() > 0);

    Path log = dir.resolve("logs").resolve(pc.getMetadata().getName()).resolve("main.log");
    for (int i = 0; i < 200 && !(Files.exists(log) && Files.readString(log).contains("err-line")); i++) {
      Thread.sleep(20);
    }
    ExecSyncResponse psr = exec(id, "ps", "-o", "pid,comm");
    String ps = psr.getStdout().toStringUtf8();
    assertTrue(ps.contains("1 sleep"), "CONTAINER pid mode: the command is pid 1\n" + ps + "\nstderr: "
        + psr.getStderr().toStringUtf8() + " exit " + psr.getExitCode());
    assertEquals("hi", exec(id, "sh", "-c", "echo $GREETING").getStdout().toStringUtf8().strip());
    assertEquals("/tmp", exec(id, "pwd").getStdout().toStringUtf8().strip());
    assertEquals(7, exec(id, "sh", "-c", "echo e >&2; exit 7").getExitCode());
    // The runtime reads the exec's process spec from a memory file on its descriptor 3; the command does not
    // inherit it, and the container's directory keeps no file of any exec.
    String fds = exec(id, "sh", "-c", "ls -l /proc/$$/fd; true").getStdout().toStringUtf8(); // the shell's own
    assertFalse(fds.contains("memfd") || fds.matches("(?s).* 3 -> .*"), fds);
    Path bundle = fixture.paths.state().resolve("containers").resolve(id);
    var running = java.util.concurrent.CompletableFuture.supplyAsync(() -> exec(id, "sleep", "1"));
    java.util.Set<String> seen = new java.util.TreeSet<>();
    while (!running.isDone()) {
      try (var files = Files.list(bundle)) {
        files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("exec-")).forEach(seen::add);
      }
    }
    assertEquals(0, running.get().getExitCode());
    assertTrue(seen.stream().allMatch(f -> f.endsWith(".pid")), "only the runtime's pid file is on disk: " + seen);
    try (var files = Files.list(bundle)) {
      assertEquals(List.of(), files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("exec-"))
          .toList(), "exec files left in the bundle");
    }
    assertEquals("e", exec(id, "sh", "-c", "echo e >&2; exit 7").getStderr().toStringUtf8().strip());
    StatusRuntimeException timeout = assertThrows(StatusRuntimeException.class, () -> client.runtime().execSync(
        ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of("sleep", "30")).setTimeout(1).build()));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, timeout.getStatus().getCode());
    assertTrue(!exec(id, "ps", "-o", "args").getStdout().toStringUtf8().contains("sleep 30"),
        "the timed-out command is killed inside the container");
    // What the command started goes with it (critest's "execSync with timeout": a shell's sleep survived).
    StatusRuntimeException treeTimeout = assertThrows(StatusRuntimeException.class, () -> client.runtime()
        .execSync(ExecSyncRequest.newBuilder().setContainerId(id)
            .addAllCmd(List.of("sh", "-c", "sleep 4321; echo done")).setTimeout(1).build()));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, treeTimeout.getStatus().getCode());
    String after = exec(id, "ps", "-o", "pid,comm").getStdout().toStringUtf8();
    assertEquals(List.of("1"), after.lines().map(String::strip).filter(l -> l.endsWith(" sleep"))
        .map(l -> l.split(" ")[0]).toList(),
        "only the container's own sleep is left: the command's children were killed and reaped, not left as"
            + " zombies of a PID 1 that never reaps\n" + after);
    // A command that leaves a background process holding its output: the call returns what was written,
    // without waiting for that process.
    long t0 = System.nanoTime();
    ExecSyncResponse bg = exec(id, "sh", "-c", "echo before; echo e2 >&2; sleep 40 &");
    assertTrue((System.nanoTime() - t0) / 1_000_000 < 10_000, "ExecSync waited for the background process");
    assertEquals("before", bg.getStdout().toStringUtf8().strip());
    assertEquals("e2", bg.getStderr().toStringUtf8().strip());
    assertEquals(0, bg.getExitCode());

    String logText = Files.readString(log, StandardCharsets.UTF_8);
    assertTrue(logText.matches("(?s)\\S+ stdout F out-line\n.*"), logText);
    assertTrue(logText.contains(" stderr F err-line\n"), logText);

    var stats = client.runtime().containerStats(ContainerStatsRequest.newBuilder().setContainerId(id).build());
    assertTrue(stats.getStats().getMemory().getWorkingSetBytes().getValue() > 0);
    // What the container writes lands in its writable layer, and the layer's figures count it.
    exec(id, "sh", "-c", "mkdir -p /written && head -c 12345 /dev/zero > /written/f");
    var layer = client.runtime().containerStats(ContainerStatsRequest.newBuilder().setContainerId(id).build())
        .getStats().getWritableLayer();
    assertTrue(layer.getUsedBytes().getValue() >= 12345, layer.toString());
    assertTrue(layer.getInodesUsed().getValue() >= 3, "the upper directory, /written and its file: " + layer);
    // kubelet's ListContainerStats answers from the last sample (each figure stamped with its time; the first
    // call measures a container that has none); ContainerStats measures now.
    long listed = listedCpuTimestamp(id);
    assertTrue(listed > 0);
    assertEquals(listed, listedCpuTimestamp(id), "the second list gives the same sample");
    // crictl stats lists twice a second apart and divides by the stamps' difference: asked again a second
    // after, the figure is measured afresh.
    Thread.sleep(1100);
    long again = listedCpuTimestamp(id);
    assertTrue(again > listed, "the same stamp a second later: crictl stats fails on it");
    listed = again;
    assertTrue(client.runtime().containerStats(ContainerStatsRequest.newBuilder().setContainerId(id).build())
        .getStats().getCpu().getTimestamp() > listed, "ContainerStats measures afresh");
    // cgroup v2 has pressure stall figures and swap per cgroup, which the CRI carries; v1 has neither.
    var figures = stats.getStats();
    assertEquals(NodeCgroups.unified(), figures.getCpu().hasPsi() && figures.getMemory().hasPsi()
        && figures.getIo().hasPsi() && figures.getCpu().getPsi().hasSome() && figures.hasSwap(), figures.toString());

    client.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(5).build());
    ContainerStatus stopped = status(id);
    assertEquals(ContainerState.CONTAINER_EXITED, stopped.getState());
    assertEquals(137, stopped.getExitCode(), "sleep as pid 1 ignores SIGTERM, so SIGKILL came after the timeout");
    client.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(5).build());
    client.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    client.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> status(id)).getStatus()
        .getCode());
  }

  private static long listedCpuTimestamp(String id) {
    return client.runtime().listContainerStats(dev.jcri.cri.v1.ListContainerStatsRequest.newBuilder()
        .setFilter(dev.jcri.cri.v1.ContainerStatsFilter.newBuilder().setId(id)).build())
        .getStats(0).getCpu().getTimestamp();
  }

  @Test
  void containers_keepRunningAcrossARestartOfJcri_andExitsWhileDownAreSeen() throws Exception {
    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    String keeps = run(pod, pc, ctr("keeps", "sleep", "3600"));
    String dies = run(pod, pc, ctr("dies", "sh", "-c", "trap 'exit 42' TERM; while true; do sleep 0.1; done"));
    Thread.sleep(200);
    int pid = Integer.parseInt(new com.fasterxml.jackson.databind.ObjectMapper().readTree(client.runtime()
        .containerStatus(ContainerStatusRequest.newBuilder().setContainerId(keeps).setVerbose(true).build())
        .getInfoOrThrow("info")).path("pid").asText());
    int diesPid = Integer.parseInt(new com.fasterxml.jackson.databind.ObjectMapper().readTree(client.runtime()
        .containerStatus(ContainerStatusRequest.newBuilder().setContainerId(dies).setVerbose(true).build())
        .getInfoOrThrow("info")).path("pid").asText());

    restartJcri(() -> {
      ProcessHandle.of(diesPid).orElseThrow().destroy();
      for (int i = 0; i < 200 && ProcessHandle.of(diesPid).isPresent(); i++) {
        Thread.sleep(20);
      }
    });

    assertEquals(ContainerState.CONTAINER_RUNNING, status(keeps).getState());
    assertTrue(ProcessHandle.of(pid).isPresent(), "the container process outlived jcri");
    assertEquals("still here", exec(keeps, "echo", "still here").getStdout().toStringUtf8().strip());
    ContainerStatus gone = awaitExit(dies);
    assertEquals(42, gone.getExitCode(), "the exit code conmon recorded while jcri was down");
  }

  @Test
  void bindMounts_readonlyAndPropagation() throws Exception {
    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    Path data = Files.createDirectories(dir.resolve("volume"));
    Files.writeString(data.resolve("in.txt"), "from host");
    Path created = dir.resolve("shared/created-by-jcri");
    Path sharedDir = Files.createDirectories(dir.resolve("shared"));
    // The volume is a private mount of its own: on nodes whose / is shared (systemd's) it would be shared else.
    dev.jcri.common.Libc.INSTANCE.mount(data.toString(), data.toString(), null, dev.jcri.common.Libc.MS_BIND, null);
    dev.jcri.common.Libc.INSTANCE.mount("none", data.toString(), null, dev.jcri.common.Libc.MS_PRIVATE, null);
    var privateSource = ctr("bad", "sleep", "1").addMounts(dev.jcri.cri.v1.Mount.newBuilder().setContainerPath("/x")
        .setHostPath(data.toString()).setPropagation(dev.jcri.cri.v1.MountPropagation.PROPAGATION_BIDIRECTIONAL));
    StatusRuntimeException notShared = assertThrows(StatusRuntimeException.class, () -> create(pod, pc, privateSource));
    assertEquals(Status.Code.FAILED_PRECONDITION, notShared.getStatus().getCode());
    assertTrue(notShared.getStatus().getDescription().contains("not a shared mount"));
    dev.jcri.common.Libc.INSTANCE.mount(sharedDir.toString(), sharedDir.toString(), null, dev.jcri.common.Libc.MS_BIND,
        null);
    dev.jcri.common.Libc.INSTANCE.mount("none", sharedDir.toString(), null, dev.jcri.common.Libc.MS_SHARED, null);
    var c = ctr("vol", "sleep", "3600")
        .addMounts(dev.jcri.cri.v1.Mount.newBuilder().setContainerPath("/data").setHostPath(data.toString()))
        .addMounts(dev.jcri.cri.v1.Mount.newBuilder().setContainerPath("/ro").setHostPath(data.toString())
            .setReadonly(true))
        .addMounts(dev.jcri.cri.v1.Mount.newBuilder().setContainerPath("/new").setHostPath(created.toString())
            .setPropagation(dev.jcri.cri.v1.MountPropagation.PROPAGATION_HOST_TO_CONTAINER));
    String id = run(pod, pc, c);
    assertEquals("from host", exec(id, "cat", "/data/in.txt").getStdout().toStringUtf8());
    assertEquals(0, exec(id, "sh", "-c", "echo back > /data/out.txt").getExitCode());
    assertEquals("back", Files.readString(data.resolve("out.txt")).strip());
    assertTrue(exec(id, "touch", "/ro/x").getExitCode() != 0, "read-only mount refuses writes");
    assertTrue(Files.isDirectory(created), "a missing host directory is created");
    assertTrue(exec(id, "grep", " /new ", "/proc/self/mountinfo").getStdout().toStringUtf8().contains("master:"),
        "HOST_TO_CONTAINER is an rslave mount");
    assertEquals(3, status(id).getMountsCount());
    client.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    dev.jcri.common.Libc.INSTANCE.umount2(sharedDir.toString(), dev.jcri.common.Libc.MNT_DETACH);
    dev.jcri.common.Libc.INSTANCE.umount2(data.toString(), dev.jcri.common.Libc.MNT_DETACH);
  }

  @Test
  void seccomp_runtimeDefaultBlocksUserNamespaces_localhostProfilesApply() throws Exception {
    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    java.util.function.Function<dev.jcri.cri.v1.SecurityProfile, ContainerConfig.Builder> withSeccomp = profile -> {
      var c = ctr("s" + w.next(), "sleep", "3600");
      c.setLinux(c.getLinux().toBuilder().setSecurityContext(c.getLinux().getSecurityContext().toBuilder()
          .setSeccomp(profile)));
      return c;
    };
    String confined = run(pod, pc, withSeccomp.apply(dev.jcri.cri.v1.SecurityProfile.newBuilder()
        .setProfileType(dev.jcri.cri.v1.SecurityProfile.ProfileType.RuntimeDefault).build()));
    ExecSyncResponse blocked = exec(confined, "unshare", "-U", "true");
    assertNotEquals(0, blocked.getExitCode(), "RuntimeDefault refuses a new user namespace");
    assertEquals(0, exec(confined, "sh", "-c", "ls / > /dev/null && mkdir /tmp/ok").getExitCode(),
        "ordinary work is allowed");
    assertTrue(exec(confined, "grep", "Seccomp:", "/proc/self/status").getStdout().toStringUtf8().contains("2"));

    String free = run(pod, pc, withSeccomp.apply(dev.jcri.cri.v1.SecurityProfile.newBuilder()
        .setProfileType(dev.jcri.cri.v1.SecurityProfile.ProfileType.Unconfined).build()));
    assertTrue(exec(free, "grep", "Seccomp:", "/proc/self/status").getStdout().toStringUtf8().contains("0"));

    Path profile = dir.resolve("no-mkdir.json");
    Files.writeString(profile, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],"
        + "\"action\":\"SCMP_ACT_ERRNO\"}]}");
    String local = run(pod, pc, withSeccomp.apply(dev.jcri.cri.v1.SecurityProfile.newBuilder()
        .setProfileType(dev.jcri.cri.v1.SecurityProfile.ProfileType.Localhost).setLocalhostRef(profile.toString())
        .build()));
    assertNotEquals(0, exec(local, "mkdir", "/tmp/x").getExitCode(), "the node's profile applies");
    StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> create(pod, pc,
        withSeccomp.apply(dev.jcri.cri.v1.SecurityProfile.newBuilder()
            .setProfileType(dev.jcri.cri.v1.SecurityProfile.ProfileType.Localhost)
            .setLocalhostRef(dir.resolve("nope.json").toString()).build())));
    assertEquals(Status.Code.INVALID_ARGUMENT, missing.getStatus().getCode());
  }

  @Test
  void containerEvents_streamEachLifecycleStepWithStatuses() throws Exception {
    var events = new java.util.concurrent.LinkedBlockingQueue<dev.jcri.cri.v1.ContainerEventResponse>();
    var callRef = new java.util.concurrent.atomic.AtomicReference<io.grpc.stub.ClientCallStreamObserver<
        dev.jcri.cri.v1.GetEventsRequest>>();
    dev.jcri.cri.v1.RuntimeServiceGrpc.newStub(client.channel()).getContainerEvents(
        dev.jcri.cri.v1.GetEventsRequest.getDefaultInstance(),
        new io.grpc.stub.ClientResponseObserver<dev.jcri.cri.v1.GetEventsRequest,
            dev.jcri.cri.v1.ContainerEventResponse>() {
          @Override
          public void beforeStart(io.grpc.stub.ClientCallStreamObserver<dev.jcri.cri.v1.GetEventsRequest> call) {
            callRef.set(call);
          }

          @Override
          public void onNext(dev.jcri.cri.v1.ContainerEventResponse value) {
            events.add(value);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    try {
      var pc = podConfig(NamespaceMode.CONTAINER);
      String pod = runPod(pc, "");
      String id = run(pod, pc, ctr("evented", "sleep", "3600"));
      client.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
      client.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
      List<dev.jcri.cri.v1.ContainerEventType> seen = new java.util.ArrayList<>();
      while (seen.size() < 4) {
        var e = events.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(e != null, "an event within 10 s; so far " + seen);
        if (e.getContainerId().equals(id)) {
          seen.add(e.getContainerEventType());
          assertEquals(pod, e.getPodSandboxStatus().getId());
          assertTrue(e.getCreatedAt() > 0);
        }
      }
      assertEquals(List.of(dev.jcri.cri.v1.ContainerEventType.CONTAINER_CREATED_EVENT,
          dev.jcri.cri.v1.ContainerEventType.CONTAINER_STARTED_EVENT,
          dev.jcri.cri.v1.ContainerEventType.CONTAINER_STOPPED_EVENT,
          dev.jcri.cri.v1.ContainerEventType.CONTAINER_DELETED_EVENT), seen);
    } finally {
      callRef.get().cancel("test done", null);
    }
  }

  @Test
  void containerCreationCutShort_isSweptAtStart() throws Exception {
    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    String id = run(pod, pc, ctr("doomed", "sleep", "3600"));
    Path records = paths.root().resolve("containers");
    Path bundle = paths.state().resolve("containers").resolve(id);
    assertTrue(Files.exists(bundle.resolve("config.json")));
    int pid = Integer.parseInt(new com.fasterxml.jackson.databind.ObjectMapper().readTree(client.runtime()
        .containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(true).build())
        .getInfoOrThrow("info")).path("pid").asText());

    // A crash before the record was written: the container exists for the runtime and on disk, no record does.
    restartJcri(() -> Files.delete(records.resolve(id + ".json")));

    assertTrue(!Files.exists(bundle), "the bundle is gone");
    assertEquals(List.of(), Files.readAllLines(Path.of("/proc/self/mounts")).stream()
        .filter(m -> m.contains(bundle.toString())).toList(), "the rootfs is unmounted");
    for (int i = 0; i < 100 && ProcessHandle.of(pid).isPresent(); i++) {
      Thread.sleep(20);
    }
    assertTrue(ProcessHandle.of(pid).isEmpty(), "the orphan container's process is gone");
    assertEquals(0, client.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount());
  }

  @Test
  void podSandboxMetrics_useCadvisorNamesAndLabels() throws Exception {
    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    String id = run(pod, pc, ctr("metered", "sleep", "3600"));
    var descriptors = client.runtime().listMetricDescriptors(
        dev.jcri.cri.v1.ListMetricDescriptorsRequest.getDefaultInstance()).getDescriptorsList();
    java.util.Map<String, Integer> labelCount = new java.util.HashMap<>();
    descriptors.forEach(d -> labelCount.put(d.getName(), d.getLabelKeysCount()));
    assertTrue(labelCount.containsKey("container_memory_working_set_bytes"));
    assertTrue(labelCount.containsKey("container_network_receive_bytes_total"));

    var metrics = client.runtime().listPodSandboxMetrics(
        dev.jcri.cri.v1.ListPodSandboxMetricsRequest.getDefaultInstance()).getPodMetricsList().stream()
        .filter(m -> m.getPodSandboxId().equals(pod)).findFirst().orElseThrow();
    var container = metrics.getContainerMetricsList().stream().filter(c -> c.getContainerId().equals(id))
        .findFirst().orElseThrow();
    for (var m : container.getMetricsList()) {
      assertEquals(labelCount.get(m.getName()), m.getLabelValuesCount(), m.getName());
    }
    assertTrue(container.getMetricsList().stream().anyMatch(m -> m.getName().equals("container_memory_working_set_bytes")
        && m.getValue().getValue() > 0));
    assertTrue(metrics.getMetricsList().stream().anyMatch(m -> m.getName().equals("container_network_receive_bytes_total")
        && m.getLabelValues(0).equals("eth0")));
  }

  @Test
  void exitCodes_andReasons() throws Exception {
    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    ContainerStatus ok = awaitExit(run(pod, pc, ctr("ok", "true")));
    assertEquals(0, ok.getExitCode());
    assertEquals("Completed", ok.getReason());
    ContainerStatus bad = awaitExit(run(pod, pc, ctr("bad", "sh", "-c", "exit 3")));
    assertEquals(3, bad.getExitCode());
    assertEquals("Error", bad.getReason());
    assertTrue(bad.getFinishedAt() >= bad.getStartedAt());
  }

  /** crun's own view of a container: "created", "running", "stopped". */
  private static String crunStatus(String id) throws Exception {
    Process p = new ProcessBuilder("crun", "--root=" + paths.state().resolve("crun"), "state", id).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(out).path("status").asText(out);
  }

  @Test
  void crun_runsFromAReadOnlyMount_andAgreesThatJcriStartedTheContainer() throws Exception {
    String mountPoint = paths.state().resolve("runtimes").resolve("crun").toString();
    String line = Files.readAllLines(Path.of("/proc/self/mounts")).stream()
        .filter(l -> l.split(" ")[1].equals(mountPoint)).findFirst().orElseThrow(() -> new AssertionError(
            "no read-only mount of crun at " + mountPoint));
    assertTrue(line.split(" ")[3].startsWith("ro,"), line);

    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    String id = create(pod, pc, ctr("fifo", "sleep", "3600"));
    String conmon;
    try (var procs = Files.list(Path.of("/proc"))) {
      conmon = procs.filter(p -> p.getFileName().toString().matches("\\d+")).map(p -> {
        try {
          return Files.readString(p.resolve("cmdline")).replace('\0', ' ');
        } catch (java.io.IOException gone) {
          return "";
        }
      }).filter(c -> c.startsWith("/usr/bin/conmon ") && c.contains(" -c " + id + " ")).findFirst().orElse("");
    }
    // conmon runs the handler's runtime wrapper (which keeps the node's /dev/null from the container) from a
    // read-only mount of its own, executable on the noexec state directory; the wrapper runs crun from its mount.
    Path wrapper = paths.state().resolve("runtimes").resolve("crun.conmon-runtime");
    assertTrue(conmon.contains(" -r " + wrapper + " "), "conmon runs the wrapper: " + conmon);
    assertTrue(Files.readString(wrapper).contains("exec '" + mountPoint + "' \"$@\""), Files.readString(wrapper));
    assertTrue(MountTable.under(paths.state()).contains(wrapper.toString()), "the wrapper runs from its mount");
    assertEquals("created", crunStatus(id));

    client.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    assertEquals("running", crunStatus(id), "jcri's start is crun's start");
    assertEquals(ContainerState.CONTAINER_RUNNING, status(id).getState());
    assertEquals("up", exec(id, "echo", "up").getStdout().toStringUtf8().strip());
    StatusRuntimeException again = assertThrows(StatusRuntimeException.class, () -> client.runtime()
        .startContainer(StartContainerRequest.newBuilder().setContainerId(id).build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, again.getStatus().getCode());
  }

  @Test
  void podPidNamespace_isSharedAndHeldByCatatonit() throws Exception {
    var pc = podConfig(NamespaceMode.POD);
    String pod = runPod(pc, "");
    var shared = ctr("a", "sleep", "3600");
    shared.setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
        .setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.POD))));
    String a = run(pod, pc, shared);
    var second = ctr("b", "sleep", "3601");
    second.setLinux(shared.getLinux());
    String b = run(pod, pc, second);
    String ps = exec(b, "ps", "-o", "pid,args").getStdout().toStringUtf8();
    assertTrue(ps.contains("1 /catatonit -P"), ps);
    assertTrue(ps.contains("sleep 3600") && ps.contains("sleep 3601"), ps);
    assertNotEquals(a, b);
    String info = client.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod)
        .setVerbose(true).build()).getInfoMap().get("info");
    String pid = info.replaceAll("(?s).*\"pid\":(\\d+).*", "$1");
    assertTrue(Files.readString(Path.of("/proc", pid, "cmdline")).startsWith("/catatonit"),
        "PodSandboxStatus names the infra process: " + info);
  }

  @Test
  void securityContext_userGroupsReadonlyCapabilities() {
    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    var c = ctr("sec", "sleep", "3600").setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
        LinuxContainerSecurityContext.newBuilder().setRunAsUser(Int64Value.newBuilder().setValue(1000))
            .setReadonlyRootfs(true).setCapabilities(Capability.newBuilder().addDropCapabilities("ALL"))));
    String id = run(pod, pc, c);
    assertEquals("uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)",
        exec(id, "id").getStdout().toStringUtf8().strip());
    assertTrue(exec(id, "touch", "/x").getExitCode() != 0, "read-only root filesystem");
    assertTrue(exec(id, "grep", "CapEff", "/proc/self/status").getStdout().toStringUtf8()
        .contains("0000000000000000"));

    var named = ctr("named", "sleep", "3600").setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
        LinuxContainerSecurityContext.newBuilder().setRunAsUsername("nobody")));
    assertEquals("65534", exec(run(pod, pc, named), "id", "-u").getStdout().toStringUtf8().strip());
  }

  /**
   * KEP-3619: with Merge (the default) the image's /etc/group adds the user's groups (app is in extra, 2000) to
   * those asked for; with Strict only the primary group and those asked for. The first process and exec'd ones get
   * the same groups, ContainerStatus.user reports them, and Status advertises the feature (critest's skip test).
   */
  @Test
  void supplementalGroupsPolicy_mergeAddsTheImagesGroups_strictDoesNot() {
    assertTrue(client.runtime().status(StatusRequest.getDefaultInstance()).getFeatures()
        .getSupplementalGroupsPolicy());
    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    for (var policy : List.of(SupplementalGroupsPolicy.Merge,
        SupplementalGroupsPolicy.Strict)) {
      var c = ctr("groups-" + policy.name().toLowerCase(), "sh", "-c", "id -G; exec sleep 3600").setLinux(
          LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
              .setRunAsUser(Int64Value.newBuilder().setValue(1000)).addSupplementalGroups(1234)
              .setSupplementalGroupsPolicy(policy)));
      String id = run(pod, pc, c);
      boolean merge = policy == SupplementalGroupsPolicy.Merge;
      String expected = merge ? "1000 1234 2000" : "1000 1234"; // the kernel keeps groups sorted
      assertEquals(expected, exec(id, "id", "-G").getStdout().toStringUtf8().strip(), policy.name());
      var user = status(id).getUser().getLinux();
      assertEquals(1000, user.getUid());
      assertEquals(1000, user.getGid());
      assertEquals(merge ? List.of(1000L, 2000L, 1234L) : List.of(1000L, 1234L), user.getSupplementalGroupsList());
    }
  }

  /**
   * The streaming list RPCs answer what their list RPCs answer, with the same filters (kubelet 1.36+ and crictl
   * use them where the runtime serves them).
   */
  @Test
  void streamingListRpcs_answerAsTheirListRpcs() {
    var pc = podConfig(NamespaceMode.CONTAINER);
    String podA = runPod(pc, "");
    var pc2 = podConfig(NamespaceMode.CONTAINER);
    String podB = runPod(pc2, "");
    String a = run(podA, pc, ctr("a", "sleep", "3600"));
    String b = run(podB, pc2, ctr("b", "sleep", "3600"));
    var rt = client.runtime();

    List<String> listed = rt.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList().stream()
        .map(p -> p.getId()).sorted().toList();
    List<String> streamed = new ArrayList<>();
    rt.streamPodSandboxes(StreamPodSandboxesRequest.getDefaultInstance())
        .forEachRemaining(page -> page.getPodSandboxesList().forEach(p -> streamed.add(p.getId())));
    assertEquals(listed, streamed.stream().sorted().toList());
    assertTrue(streamed.containsAll(List.of(podA, podB)));

    List<String> one = new ArrayList<>();
    rt.streamContainers(StreamContainersRequest.newBuilder().setFilter(ContainerFilter.newBuilder()
        .setPodSandboxId(podB)).build()).forEachRemaining(page -> page.getContainersList()
        .forEach(c -> one.add(c.getId())));
    assertEquals(List.of(b), one, "the list RPC's filter applies");

    List<String> stats = new ArrayList<>();
    rt.streamContainerStats(StreamContainerStatsRequest.getDefaultInstance())
        .forEachRemaining(page -> page.getContainerStatsList().forEach(st -> stats.add(st.getAttributes().getId())));
    assertEquals(List.of(a, b).stream().sorted().toList(), stats.stream().sorted().toList());

    List<String> podStats = new ArrayList<>();
    rt.streamPodSandboxStats(StreamPodSandboxStatsRequest.getDefaultInstance())
        .forEachRemaining(page -> page.getPodSandboxStatsList()
            .forEach(st -> podStats.add(st.getAttributes().getId())));
    assertEquals(listed, podStats.stream().sorted().toList());

    List<String> metrics = new ArrayList<>();
    rt.streamPodSandboxMetrics(StreamPodSandboxMetricsRequest.getDefaultInstance())
        .forEachRemaining(page -> page.getPodSandboxMetricsList().forEach(m -> metrics.add(m.getPodSandboxId())));
    assertEquals(listed, metrics.stream().sorted().toList());

    List<String> images = new ArrayList<>();
    client.images().streamImages(StreamImagesRequest.getDefaultInstance())
        .forEachRemaining(page -> page.getImagesList().forEach(i -> images.add(i.getId())));
    assertEquals(client.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream()
        .map(i -> i.getId()).toList(), images);

    List<String> none = new ArrayList<>();
    rt.streamPodSandboxes(StreamPodSandboxesRequest.newBuilder().setFilter(PodSandboxFilter.newBuilder()
        .setId("0".repeat(64))).build()).forEachRemaining(page -> none.add(page.toString()));
    assertEquals(List.of(), none, "nothing matches: no message at all");
  }

  /**
   * What Status advertises, each handler does: user namespaces (root inside is an unprivileged range of the
   * node's), bind mount options (a noexec volume runs nothing, a plain one does); what it does not advertise is
   * refused (a user namespace on the node's network), as are mount options jcri does not apply.
   * Recursively read-only mounts and supplemental groups policy have tests of their own.
   */
  @Test
  void statusAdvertisement_matchesWhatEachHandlerDoes() throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    StatusResponse st = client.runtime().status(StatusRequest.getDefaultInstance());
    assertTrue(st.getFeatures().getMountOptions());
    assertTrue(st.getFeatures().getSupplementalGroupsPolicy());
    assertFalse(st.getFeatures().getUserNamespacesHostNetwork());
    assertTrue(st.getRuntimeHandlersCount() >= 2, st.toString());
    Path noexec = Files.createDirectories(dir.resolve("noexec-volume"));
    Path plain = Files.createDirectories(dir.resolve("plain-volume"));
    int range = 0;
    for (RuntimeHandler h : st.getRuntimeHandlersList()) {
      var pc = podConfig(NamespaceMode.CONTAINER);
      String pod = runPod(pc, h.getName());
      String id = run(pod, pc, ctr("opts-" + h.getName(), "sleep", "3600")
          .addMounts(Mount.newBuilder().setContainerPath("/noexec").setHostPath(noexec.toString())
              .addAllMountOptions(List.of("noexec", "nosuid", "nodev")))
          .addMounts(Mount.newBuilder().setContainerPath("/plain").setHostPath(plain.toString())));
      // busybox runs the applet its file is named for: each handler's copy goes in a directory of its own.
      String copy = "h-" + h.getName();
      String handler = "handler \"" + h.getName() + "\": ";
      assertEquals(0, exec(id, "sh", "-c", "mkdir -p /plain/" + copy + " && cp /bin/busybox /plain/" + copy
          + "/busybox && /plain/" + copy + "/busybox true").getExitCode(), handler + "a plain volume runs programs");
      ExecSyncResponse refused = exec(id, "sh", "-c", "mkdir -p /noexec/" + copy + " && cp /bin/busybox /noexec/"
          + copy + "/busybox && /noexec/" + copy + "/busybox true");
      assertEquals(126, refused.getExitCode(), handler + "noexec " + refused);
      String mountinfo = exec(id, "grep", " /noexec ", "/proc/self/mountinfo").getStdout().toStringUtf8();
      assertTrue(mountinfo.contains("noexec") && mountinfo.contains("nosuid") && mountinfo.contains("nodev"),
          mountinfo);
      assertEquals(List.of("noexec", "nosuid", "nodev"), status(id).getMountsList().stream()
          .filter(m -> m.getContainerPath().equals("/noexec")).findFirst().orElseThrow().getMountOptionsList());

      if (h.getFeatures().getUserNamespaces()) {
        long hostId = 3_200_000 + 65536L * range++;
        var mapping = IDMapping.newBuilder().setContainerId(0).setHostId((int) hostId).setLength(65536);
        var upc = podConfig(NamespaceMode.POD);
        upc.setLinux(upc.getLinux().toBuilder().setSecurityContext(upc.getLinux().getSecurityContext().toBuilder()
            .setNamespaceOptions(NamespaceOption.newBuilder().setUsernsOptions(UserNamespace.newBuilder()
                .setMode(NamespaceMode.POD).addUids(mapping).addGids(mapping)))));
        String upod = runPod(upc, h.getName());
        String uid = run(upod, upc, ctr("userns-" + h.getName(), "sleep", "3600"));
        assertEquals("0 " + hostId + " 65536", exec(uid, "cat", "/proc/self/uid_map").getStdout().toStringUtf8()
            .strip().replaceAll("\\s+", " "), h.getName() + ": user namespaces");
      }
    }

    var hostNet = podConfig(NamespaceMode.POD);
    var mapping = IDMapping.newBuilder().setContainerId(0).setHostId(3_900_000).setLength(65536);
    hostNet.setLinux(hostNet.getLinux().toBuilder().setSecurityContext(hostNet.getLinux().getSecurityContext()
        .toBuilder().setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE)
            .setUsernsOptions(UserNamespace.newBuilder().setMode(NamespaceMode.POD).addUids(mapping)
                .addGids(mapping)))));
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> runPod(hostNet, ""));
    assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode(), "user_namespaces_host_network: false");

    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    StatusRuntimeException option = assertThrows(StatusRuntimeException.class, () -> create(pod, pc,
        ctr("bad-option", "sleep", "1").addMounts(Mount.newBuilder().setContainerPath("/x")
            .setHostPath(plain.toString()).addMountOptions("exec"))));
    assertEquals(Status.Code.INVALID_ARGUMENT, option.getStatus().getCode());
    assertTrue(option.getStatus().getDescription().contains("\"exec\" is not supported"),
        option.getStatus().getDescription());
  }

  /**
   * KEP-4639 image volumes: an image's file system mounted read-only at the target, or its image_sub_path; the
   * layers stay while the volume is mounted, even when the image is removed; a sub path through a symbolic link
   * (the image could point it anywhere on the node), a missing one and an image not pulled are refused.
   */
  @Test
  void imageVolume_mountsTheImageReadOnly_subPathToo_andOutlivesTheImagesRemoval() throws Exception {
    new RegistryPusher(fixture.registry).push("it/volume", "1", new TestImage().layer(TestImage.Compression.GZIP,
        t -> t.dir("data", 0755).file("data/hello", "from the image\n", 0644).symlink("data/escape", "/etc")
            .dir("empty", 0755)).build());
    String volumeImage = fixture.registry.host() + "/it/volume:1";
    client.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(volumeImage))
        .build());
    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    String id = run(pod, pc, ctr("vol", "sleep", "3600")
        .addMounts(Mount.newBuilder().setContainerPath("/img").setReadonly(true)
            .setImage(ImageSpec.newBuilder().setImage(volumeImage)))
        .addMounts(Mount.newBuilder().setContainerPath("/sub").setReadonly(true)
            .setImage(ImageSpec.newBuilder().setImage(volumeImage)).setImageSubPath("data")));

    assertEquals("from the image", exec(id, "cat", "/img/data/hello").getStdout().toStringUtf8().strip());
    assertEquals("from the image", exec(id, "cat", "/sub/hello").getStdout().toStringUtf8().strip());
    ExecSyncResponse write = exec(id, "touch", "/img/x");
    assertNotEquals(0, write.getExitCode());
    assertTrue(write.getStderr().toStringUtf8().contains("Read-only"), write.getStderr().toStringUtf8());
    assertEquals(volumeImage, status(id).getMountsList().stream().filter(m -> m.getContainerPath().equals("/sub"))
        .findFirst().orElseThrow().getImage().getImage());

    client.images().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder()
        .setImage(volumeImage)).build());
    assertEquals("from the image", exec(id, "cat", "/img/data/hello").getStdout().toStringUtf8().strip(),
        "the volume's layers stay while it is mounted");
    client.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(volumeImage))
        .build());

    for (var bad : List.of(Map.entry("data/escape", Status.Code.INVALID_ARGUMENT),
        Map.entry("../etc", Status.Code.INVALID_ARGUMENT), Map.entry("no/such", Status.Code.NOT_FOUND))) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> create(pod, pc,
          ctr("bad-sub", "sleep", "1").addMounts(Mount.newBuilder().setContainerPath("/sub").setReadonly(true)
              .setImage(ImageSpec.newBuilder().setImage(volumeImage)).setImageSubPath(bad.getKey()))));
      assertEquals(bad.getValue(), e.getStatus().getCode(), bad.getKey() + ": " + e.getStatus().getDescription());
    }
    StatusRuntimeException absent = assertThrows(StatusRuntimeException.class, () -> create(pod, pc,
        ctr("absent", "sleep", "1").addMounts(Mount.newBuilder().setContainerPath("/img").setReadonly(true)
            .setImage(ImageSpec.newBuilder().setImage(fixture.registry.host() + "/it/never-pulled:1")))));
    assertEquals(Status.Code.NOT_FOUND, absent.getStatus().getCode());
  }

  /**
   * CDI devices (KEP-4009) from the specs in jcri's CDI directories, YAML here: a device node under another name
   * (the node's /dev/null as /dev/jcri-null), environment, a read-only bind mount and a hook, on both handlers;
   * a device no spec defines is refused and makes nothing.
   */
  @Test
  void cdiDevices_bringTheirNodesEnvMountsAndHooks() throws Exception {
    Path cdi = Files.createDirectories(paths.cdiDir());
    Path lib = Files.createDirectories(dir.resolve("cdi-lib"));
    Files.writeString(lib.resolve("libdevice.so"), "not really a library");
    Path hookRan = dir.resolve("cdi-hook-ran");
    Files.writeString(cdi.resolve("jcri-test.yaml"), """
        cdiVersion: "0.6.0"
        kind: "jcri.test/null"
        containerEdits:
          env: ["NULL_VENDOR=jcri"]
        devices:
          - name: "null0"
            containerEdits:
              deviceNodes:
                - path: "/dev/jcri-null"
                  hostPath: "/dev/null"
              env: ["NULL_DEVICE=/dev/jcri-null"]
              mounts:
                - hostPath: "%s"
                  containerPath: "/usr/lib/jcri-null"
                  options: ["ro", "nosuid"]
              hooks:
                - hookName: "createRuntime"
                  path: "/bin/sh"
                  args: ["sh", "-c", "cat >> %s"]
        """.formatted(lib, hookRan));
    for (String handler : List.of("", "runc")) {
      var pc = podConfig(NamespaceMode.CONTAINER);
      String pod = runPod(pc, handler);
      String id = run(pod, pc, ctr("cdi-" + handler, "sleep", "3600")
          .addCDIDevices(CDIDevice.newBuilder().setName("jcri.test/null=null0")));
      assertEquals("character special file 1 3", exec(id, "stat", "-c", "%F %t %T", "/dev/jcri-null").getStdout()
          .toStringUtf8().strip(), handler + ": the node's /dev/null under its CDI name");
      assertEquals(0, exec(id, "sh", "-c", "echo x > /dev/jcri-null").getExitCode(), "and usable");
      String env = exec(id, "env").getStdout().toStringUtf8();
      assertTrue(env.contains("NULL_VENDOR=jcri") && env.contains("NULL_DEVICE=/dev/jcri-null"), env);
      assertEquals("not really a library", exec(id, "cat", "/usr/lib/jcri-null/libdevice.so").getStdout()
          .toStringUtf8());
      assertNotEquals(0, exec(id, "touch", "/usr/lib/jcri-null/x").getExitCode(), "the CDI mount is read-only");
      assertTrue(Files.readString(hookRan).contains(id), "the hook ran with the container's state");
    }
    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> create(pod, pc,
        ctr("no-such-device", "sleep", "1").addCDIDevices(CDIDevice.newBuilder().setName("jcri.test/null=null9"))));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("jcri.test/null=null9"), e.getStatus().getDescription());
  }

  /**
   * CheckpointContainer against the real runtimes. On these machines CRIU cannot checkpoint (Debian 12's crun is
   * built without CRIU; criu 3.17 cannot read kernel 6.18's vDSO): the call fails saying why and leaves nothing
   * behind. Where CRIU works, the archive has CRI-O's and containerd's layout. The container runs on either way.
   */
  @Test
  void checkpointContainer_archivesOrSaysWhyNot_andLeavesNothingHalfMade() throws Exception {
    for (String handler : List.of("", "runc")) {
      var pc = podConfig(NamespaceMode.CONTAINER);
      String pod = runPod(pc, handler);
      String id = run(pod, pc, ctr("cp-" + handler, "sleep", "3600"));
      Path location = dir.resolve("checkpoint-" + handler + ".tar");
      try {
        client.runtime().checkpointContainer(CheckpointContainerRequest.newBuilder().setContainerId(id)
            .setLocation(location.toString()).build());
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(location))) {
          for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
            names.add(e.getName());
          }
        }
        assertTrue(names.containsAll(List.of("config.dump", "spec.dump", "rootfs-diff.tar", "deleted.files"))
            && names.stream().anyMatch(n -> n.startsWith("checkpoint/") && n.endsWith(".img")), names.toString());
      } catch (StatusRuntimeException e) {
        // crun without CRIU refuses (FAILED_PRECONDITION, naming what to use instead); CRIU that fails is INTERNAL
        // with what its log says.
        String why = e.getStatus().getDescription();
        assertTrue(e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION && why.contains("without CRIU")
            || e.getStatus().getCode() == Status.Code.INTERNAL && why.contains("checkpoint of " + id + " failed"),
            e.getStatus().toString());
        assertFalse(Files.exists(location), "no half-written archive");
      }
      assertEquals(ContainerState.CONTAINER_RUNNING, status(id).getState(), handler + ": it runs on");
      try (var left = Files.list(paths.state().resolve("containers").resolve(id))) {
        assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith("checkpoint-")), "no work left");
      }
    }
    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    String id = run(pod, pc, ctr("cp-refused", "sleep", "3600"));
    for (String bad : List.of("", "relative.tar", dir.resolve("no/such/dir.tar").toString())) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.runtime()
          .checkpointContainer(CheckpointContainerRequest.newBuilder().setContainerId(id).setLocation(bad).build()));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), bad);
    }
  }

  /**
   * The README's examples/pod.json and examples/ctr.json, as crictl reads them (the CRI's field names), run as
   * written but for the image, its web root, the log directory and the host port, which are this test's own.
   */
  @Test
  void readmeExamples_runAsWritten() throws Exception {
    Path examples = Path.of("../examples").toAbsolutePath().normalize();
    PodSandboxConfig.Builder pc = PodSandboxConfig.newBuilder();
    JsonFormat.parser().merge(Files.readString(examples.resolve("pod.json")), pc);
    // crictl reads an env value as a string; this CRI's KeyValue.value is bytes, which protobuf JSON writes base64.
    ObjectNode ctr = (ObjectNode) Json.PLAIN.readTree(examples.resolve("ctr.json").toFile());
    for (JsonNode env : ctr.path("envs")) {
      ((ObjectNode) env).put("value", Base64.getEncoder().encodeToString(env.path("value").asText()
          .getBytes(StandardCharsets.UTF_8)));
    }
    ContainerConfig.Builder cc = ContainerConfig.newBuilder();
    JsonFormat.parser().merge(ctr.toString(), cc);
    assertEquals(8080, pc.getPortMappings(0).getHostPort());
    pc.setLogDirectory(dir.resolve("example-logs").toString())
        .setPortMappings(0, pc.getPortMappings(0).toBuilder().setHostPort(0));
    // The test image has no /www: httpd serves /tmp instead.
    assertEquals(List.of("httpd", "-f", "-p", "8000", "-h", "/www"), cc.getCommandList());
    cc.setImage(ImageSpec.newBuilder().setImage(fixture.image)).setCommand(5, "/tmp");
    String pod = runPod(pc, "");
    String id = run(pod, pc, cc);
    assertEquals(ContainerState.CONTAINER_RUNNING, status(id).getState());
    assertEquals("1000", exec(id, "id", "-u").getStdout().toStringUtf8().strip());
    assertEquals("hello", exec(id, "sh", "-c", "echo $GREETING").getStdout().toStringUtf8().strip());
    String limitFile = NodeCgroups.unified() ? "/sys/fs/cgroup/memory.max" : "/sys/fs/cgroup/memory/memory.limit_in_bytes";
    assertEquals("67108864", exec(id, "cat", limitFile).getStdout().toStringUtf8().strip());
    // crun 1.8 chowns an exec's stdio to its user: the node's /dev/null must never be among them.
    assertEquals(0, Files.getAttribute(Path.of("/dev/null"), "unix:uid"), "execs as uid 1000 left /dev/null root's");
  }

  /** A read-only bind leaves the mounts below it writable; a recursively read-only one does not (crun and runc). */
  @Test
  void recursiveReadOnlyMounts_makeEveryMountBelowReadOnly() throws Exception {
    Path volume = Files.createDirectories(dir.resolve("rro-volume"));
    Path sub = Files.createDirectories(volume.resolve("sub"));
    // A shared volume, as every path is on a systemd node: detaching jcri's clone must leave the node's mounts.
    dev.jcri.common.Libc.INSTANCE.mount(volume.toString(), volume.toString(), null, dev.jcri.common.Libc.MS_BIND, null);
    dev.jcri.common.Libc.INSTANCE.mount("none", volume.toString(), null, dev.jcri.common.Libc.MS_SHARED, null);
    dev.jcri.common.Libc.INSTANCE.mount("tmpfs", sub.toString(), "tmpfs", 0, "size=1m");
    try {
      assertTrue(client.runtime().status(dev.jcri.cri.v1.StatusRequest.getDefaultInstance()).getRuntimeHandlersList()
          .stream().allMatch(h -> h.getFeatures().getRecursiveReadOnlyMounts()));
      for (String handler : List.of("", "runc")) {
        var pc = podConfig(NamespaceMode.CONTAINER);
        String pod = runPod(pc, handler);
        var c = ctr("rro", "sleep", "3600")
            .addMounts(dev.jcri.cri.v1.Mount.newBuilder().setContainerPath("/plain").setHostPath(volume.toString())
                .setReadonly(true))
            .addMounts(dev.jcri.cri.v1.Mount.newBuilder().setContainerPath("/rro").setHostPath(volume.toString())
                .setReadonly(true).setRecursiveReadOnly(true));
        String id = run(pod, pc, c);
        assertTrue(exec(id, "touch", "/plain/x").getExitCode() != 0);
        assertEquals(0, exec(id, "touch", "/plain/sub/x").getExitCode(), "a plain read-only bind: submounts writable");
        assertTrue(exec(id, "touch", "/rro/y").getExitCode() != 0);
        ExecSyncResponse below = exec(id, "touch", "/rro/sub/y");
        assertTrue(below.getExitCode() != 0, handler + ": the mount below a recursively read-only one took a write");
        assertTrue(below.getStderr().toStringUtf8().contains("Read-only"), below.getStderr().toStringUtf8());
        assertTrue(exec(id, "cat", "/rro/sub/x").getExitCode() == 0, "and is still readable");
        assertTrue(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().noneMatch(l -> l.contains("/volumes/")),
            "the clone made for the container is detached on the node");
      }
      var pc = podConfig(NamespaceMode.CONTAINER);
      String pod = runPod(pc, "");
      for (var bad : List.of(
          dev.jcri.cri.v1.Mount.newBuilder().setContainerPath("/w").setHostPath(volume.toString())
              .setRecursiveReadOnly(true),
          dev.jcri.cri.v1.Mount.newBuilder().setContainerPath("/s").setHostPath(volume.toString()).setReadonly(true)
              .setRecursiveReadOnly(true).setPropagation(dev.jcri.cri.v1.MountPropagation.PROPAGATION_HOST_TO_CONTAINER))) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
            () -> create(pod, pc, ctr("bad", "sleep", "1").addMounts(bad)));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("recursive_read_only"), e.getStatus().getDescription());
      }
      assertTrue(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(" " + sub + " ")),
          "the node's mount below the volume is still there after the clones went");
    } finally {
      dev.jcri.common.Libc.INSTANCE.umount2(sub.toString(), dev.jcri.common.Libc.MNT_DETACH);
      dev.jcri.common.Libc.INSTANCE.umount2(volume.toString(), dev.jcri.common.Libc.MNT_DETACH);
    }
  }

  @Test
  void runcHandler_runsToo_andOomKillIsReported() throws Exception {
    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "runc");
    String id = run(pod, pc, ctr("r", "sleep", "3600"));
    assertEquals(ContainerState.CONTAINER_RUNNING, status(id).getState());
    assertEquals("ok", exec(id, "echo", "ok").getStdout().toStringUtf8().strip());

    var hog = ctr("hog", "sh", "-c", "dd if=/dev/zero of=/dev/shm/fill bs=1M count=200; sleep 1; "
        + "x=$(head -c 100000000 /dev/zero | tr '\\0' 'a'); echo done")
        .setLinux(LinuxContainerConfig.newBuilder().setResources(LinuxContainerResources.newBuilder()
            .setMemoryLimitInBytes(32L << 20)));
    String pod2 = runPod(podConfig(NamespaceMode.CONTAINER), "");
    ContainerStatus s = awaitExit(run(pod2, pc, hog));
    assertEquals("OOMKilled", s.getReason(), "exit " + s.getExitCode());
  }

  /**
   * On v2 an unprivileged container has a cgroup namespace of its own: /proc/self/cgroup shows "/" and its
   * /sys/fs/cgroup is its own cgroup. A privileged one shares the node's, and its cgroup mount leaves the
   * node's cgroup2 mount options as they were. On v1 (hybrid) both share the node's, as containerd does.
   */
  @Test
  void cgroupNamespace_isTheContainersOwnOnV2() throws Exception {
    String before = String.join("\n", Files.readAllLines(Path.of("/proc/self/mounts")));
    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    String plain = run(pod, pc, ctr("plain", "/bin/sleep", "3600"));
    var priv = ctr("priv", "/bin/sleep", "3600");
    priv.setLinux(priv.getLinux().toBuilder().setSecurityContext(priv.getLinux().getSecurityContext().toBuilder()
        .setPrivileged(true)));
    var privPod = podConfig(NamespaceMode.CONTAINER);
    privPod.setLinux(privPod.getLinux().toBuilder().setSecurityContext(privPod.getLinux().getSecurityContext()
        .toBuilder().setPrivileged(true)));
    String privId = run(runPod(privPod, ""), privPod, priv);
    String plainView = exec(plain, "cat", "/proc/self/cgroup").getStdout().toStringUtf8().strip();
    String privView = exec(privId, "cat", "/proc/self/cgroup").getStdout().toStringUtf8().strip();
    if (NodeCgroups.unified()) {
      assertEquals("0::/", plainView, "an unprivileged container sees its own cgroup as the root");
      assertTrue(privView.startsWith("0::/jcri/pod-"), privView);
      assertTrue(exec(plain, "test", "-f", "/sys/fs/cgroup/memory.max").getExitCode() == 0,
          "its /sys/fs/cgroup is its own cgroup");
    } else {
      assertTrue(plainView.contains(":/jcri/pod-" + pod + "/ctr-" + plain), plainView);
      assertTrue(privView.contains("/ctr-" + privId), privView);
    }
    assertEquals(before.lines().filter(l -> l.contains(" cgroup2 ")).toList(),
        Files.readAllLines(Path.of("/proc/self/mounts")).stream().filter(l -> l.contains(" cgroup2 ")).toList(),
        "the node's cgroup2 mount keeps its options");
  }

  @Test
  void hostDevice_isThereWithItsPermissions_andOthersAreNot() throws Exception {
    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    String id = run(pod, pc, ctr("dev", "/bin/sleep", "3600").addDevices(dev.jcri.cri.v1.Device.newBuilder()
        .setHostPath("/dev/null").setContainerPath("/dev/jcri-null").setPermissions("rw")));
    assertEquals(0, exec(id, "sh", "-c", "echo x > /dev/jcri-null && test -c /dev/jcri-null").getExitCode());
    assertNotEquals(0, exec(id, "sh", "-c", "mknod /tmp/mem c 1 1; head -c 1 /tmp/mem").getExitCode(),
        "other devices stay denied by the cgroup");
  }

  @Test
  void hugepagesSwapAndUnified_asThisNodeAllows() throws Exception {
    var pc = podConfig(NamespaceMode.CONTAINER);
    String pod = runPod(pc, "");
    var res = LinuxContainerResources.newBuilder().setMemoryLimitInBytes(64L << 20)
        .setMemorySwapLimitInBytes(128L << 20)
        .addHugepageLimits(dev.jcri.cri.v1.HugepageLimit.newBuilder().setPageSize("2MB").setLimit(4L << 20));
    var c = ctr("huge", "/bin/sleep", "3600");
    c.setLinux(c.getLinux().toBuilder().setResources(res));
    String id = run(pod, pc, c);
    String cgroup = "/jcri/pod-" + pod + "/ctr-" + id;
    Path hugetlb = NodeCgroups.dir("hugetlb", cgroup).resolve(NodeCgroups.unified() ? "hugetlb.2MB.max"
        : "hugetlb.2MB.limit_in_bytes");
    assertEquals("4194304", Files.readString(hugetlb).strip(), "the hugepage limit reached the container's cgroup");
    // v1 limits memory plus swap (where the node accounts swap); v2 limits swap alone.
    Path swap = NodeCgroups.dir("memory", cgroup).resolve(NodeCgroups.unified() ? "memory.swap.max"
        : "memory.memsw.limit_in_bytes");
    if (Files.exists(swap)) {
      assertEquals(NodeCgroups.unified() ? "67108864" : "134217728", Files.readString(swap).strip(), "swap");
    }
    client.runtime().updateContainerResources(dev.jcri.cri.v1.UpdateContainerResourcesRequest.newBuilder()
        .setContainerId(id).setLinux(LinuxContainerResources.newBuilder().addHugepageLimits(
            dev.jcri.cri.v1.HugepageLimit.newBuilder().setPageSize("2MB").setLimit(2L << 20))).build());
    assertEquals("2097152", Files.readString(hugetlb).strip(), "and an update changes it");
    var u = ctr("unified", "/bin/sleep", "3600");
    u.setLinux(u.getLinux().toBuilder().setResources(LinuxContainerResources.newBuilder()
        .putUnified("memory.high", "50003968").putUnified("memory.oom.group", "1")));
    if (NodeCgroups.unified()) {
      String withUnified = run(pod, pc, u);
      Path dir = NodeCgroups.dir("memory", "/jcri/pod-" + pod + "/ctr-" + withUnified);
      assertEquals("50003968", Files.readString(dir.resolve("memory.high")).strip(), "unified reached the cgroup");
      assertEquals("1", Files.readString(dir.resolve("memory.oom.group")).strip(), "kubelet's memory.oom.group");
    } else {
      StatusRuntimeException unified = assertThrows(StatusRuntimeException.class, () -> create(pod, pc, u));
      assertEquals(Status.Code.FAILED_PRECONDITION, unified.getStatus().getCode(), "unified needs cgroup v2");
    }
    StatusRuntimeException badSize = assertThrows(StatusRuntimeException.class, () -> {
      var b = ctr("badsize", "/bin/sleep", "3600");
      b.setLinux(b.getLinux().toBuilder().setResources(LinuxContainerResources.newBuilder().addHugepageLimits(
          dev.jcri.cri.v1.HugepageLimit.newBuilder().setPageSize("2MB/../x").setLimit(1))));
      create(pod, pc, b);
    });
    assertEquals(Status.Code.INVALID_ARGUMENT, badSize.getStatus().getCode());
  }

  @Test
  void podUserNamespace_rootInsideIsUnprivilegedOnTheNode() throws Exception {
    var mapping = dev.jcri.cri.v1.IDMapping.newBuilder().setContainerId(0).setHostId(3_000_000).setLength(65536);
    // The node's uid 3000000 must reach the bundle below this test's private temporary directory.
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    assertEquals("rwx--x--x", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(
        paths.state())), "jcri keeps its state directory searchable, as such pods need");
    var pc = podConfig(NamespaceMode.POD);
    pc.setLinux(pc.getLinux().toBuilder().setSecurityContext(pc.getLinux().getSecurityContext().toBuilder()
        .setNamespaceOptions(NamespaceOption.newBuilder().setUsernsOptions(dev.jcri.cri.v1.UserNamespace.newBuilder()
            .setMode(NamespaceMode.POD).addUids(mapping).addGids(mapping)))));
    String pod = runPod(pc, "");
    Path vol = Files.createDirectories(dir.resolve("userns-volume"));
    Files.writeString(vol.resolve("hello"), "from the node");
    var c = ctr("userns", "/bin/sh", "-c", "touch /made-here && exec sleep 3600").addMounts(
        dev.jcri.cri.v1.Mount.newBuilder().setContainerPath("/vol").setHostPath(vol.toString())
            .addUidMappings(mapping).addGidMappings(mapping));
    String id = run(pod, pc, c);
    ContainerStatus s = status(id);
    assertEquals(ContainerState.CONTAINER_RUNNING, s.getState(), s.toString());
    assertEquals("0", exec(id, "id", "-u").getStdout().toStringUtf8().strip(), "root inside");
    assertEquals(0, exec(id, "test", "-e", "/made-here").getExitCode(), "root inside can write its root file system");
    assertEquals("0 3000000 65536", exec(id, "cat", "/proc/self/uid_map").getStdout().toStringUtf8().strip()
        .replaceAll("\\s+", " "));
    String pid = client.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id)
        .setVerbose(true).build()).getInfoMap().get("info").replaceAll("(?s).*\"pid\":(\\d+).*", "$1");
    String uids = Files.readAllLines(Path.of("/proc", pid, "status")).stream().filter(l -> l.startsWith("Uid:"))
        .findFirst().orElseThrow();
    assertTrue(uids.matches("Uid:\\s+3000000\\s+3000000\\s+3000000\\s+3000000"), "on the node: " + uids);
    Path upper = Files.walk(dir).filter(p -> p.endsWith("made-here")).findFirst().orElseThrow();
    assertEquals(3_000_000, Files.getAttribute(upper, "unix:uid"), "stored with the pod root's node uid");
    assertEquals("0", exec(id, "stat", "-c", "%u", "/bin/busybox").getStdout().toStringUtf8().strip(),
        "the image's root-owned files are root's inside (idmapped layers)");
    assertEquals("0", exec(id, "stat", "-c", "%u", "/vol/hello").getStdout().toStringUtf8().strip(),
        "an idmapped volume shows the node's root-owned files as root's");
    assertEquals(0, exec(id, "touch", "/vol/written-inside").getExitCode());
    assertEquals(0, Files.getAttribute(vol.resolve("written-inside"), "unix:uid"), "and stores root's writes as the node's root");
    client.runtime().removeContainer(dev.jcri.cri.v1.RemoveContainerRequest.newBuilder().setContainerId(id).build());
    assertEquals("from the node", Files.readString(vol.resolve("hello")), "removing the container keeps the volume");
    var st = client.runtime().status(dev.jcri.cri.v1.StatusRequest.getDefaultInstance());
    assertTrue(st.getRuntimeHandlersList().stream().allMatch(h -> h.getFeatures().getUserNamespaces()));
  }
}
