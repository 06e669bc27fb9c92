package dev.jcri.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.cri.v1.CgroupDriver;
import dev.jcri.cri.v1.ContainerStatsRequest;
import dev.jcri.cri.v1.LinuxContainerResources;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.RuntimeConfigRequest;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.UpdateContainerResourcesRequest;
import dev.jcri.image.testing.TestImage;
import dev.jcri.sandbox.cgroup.systemd.DbusSystemdUnits;
import dev.jcri.sandbox.cgroup.systemd.SystemdNames;
import dev.jcri.sandbox.cgroup.systemd.UnitProperty;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd cgroup driver against the node's own systemd, over the system bus: pods in slices, containers in
 * the scopes crun and runc make, limits as unit properties. jcri runs with its default driver setting, which
 * picks systemd where systemd is init. It needs systemd as init: {@code make test-systemd}
 * runs it on the test node (a Debian 12 VM), the build's own run leaves it out.
 */
class SystemdCgroupIT {

  @TempDir static Path dir;
  static JcriFixture fixture;
  static Workloads w;

  @BeforeAll
  static void start() throws Exception {
    // jcri's default, "auto": on a node with systemd as init that is the systemd driver, with nothing to set.
    fixture = JcriFixture.start(dir, new TestImage().busyboxLayer().cmd("/bin/sleep", "3600"),
        "cgroup_driver = \"auto\"");
    w = fixture.workloads;
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  @AfterEach
  void removePods() {
    var rt = fixture.client.runtime();
    for (var p : rt.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
      rt.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
    }
  }

  private static String systemctl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of("systemctl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  private static String property(String unit, String name) throws Exception {
    return systemctl("show", "-p", name, "--value", unit);
  }

  /** The values of {@code file} in the cgroup and every cgroup below it, "max" left out. */
  private static java.util.Set<String> values(Path cgroup, String file) throws IOException {
    java.util.Set<String> values = new java.util.TreeSet<>();
    try (var dirs = Files.walk(cgroup)) {
      for (Path f : dirs.filter(p -> p.getFileName().toString().equals(file)).toList()) {
        String v = Files.readString(f).strip();
        if (!v.equals("max")) {
          values.add(v);
        }
      }
    }
    return values;
  }

  /** The lowest limit in {@code file} on the way down from the cgroup: what its processes get. */
  private static String effective(Path cgroup, String file) throws IOException {
    return values(cgroup, file).stream().min(java.util.Comparator.comparingLong(Long::parseLong)).orElse("max");
  }

  private static boolean runsIn(Path cgroup) throws IOException {
    try (var dirs = Files.walk(cgroup)) {
      for (Path procs : dirs.filter(p -> p.getFileName().toString().equals("cgroup.procs")).toList()) {
        if (!Files.readString(procs).isBlank()) {
          return true;
        }
      }
    }
    return false;
  }

  private static Path cgroupDir(String cgroup) {
    return NodeCgroups.dir("memory", SystemdNames.cgroupfsPath(cgroup));
  }

  @Test
  void runtimeConfigAndStatus_sayTheDriverIsSystemd() throws Exception {
    assertEquals(CgroupDriver.SYSTEMD, fixture.client.runtime().runtimeConfig(RuntimeConfigRequest.getDefaultInstance())
        .getLinux().getCgroupDriver(), "kubelet 1.28+ takes its cgroupDriver from here");
    JsonNode cgroups = new ObjectMapper().readTree(fixture.client.runtime().status(StatusRequest.newBuilder()
        .setVerbose(true).build()).getInfoOrThrow("cgroups"));
    assertEquals("systemd", cgroups.path("driver").asText());
  }

  /** A pod without a parent gets a slice of jcri's own; its containers the scopes their runtime makes. */
  @Test
  void podSliceAndContainerScopes_onCrunAndRunc_limitsAsUnitProperties() throws Exception {
    for (String handler : List.of("", "runc")) {
      var pc = w.podConfig(NamespaceMode.CONTAINER);
      String pod = w.runPod(pc, handler);
      String slice = "jcri-pod" + pod + ".slice";
      assertEquals("active", systemctl("is-active", slice), handler);
      JsonNode info = new ObjectMapper().readTree(fixture.client.runtime().podSandboxStatus(
          PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).setVerbose(true).build()).getInfoOrThrow("info"));
      assertEquals(slice, info.path("cgroup_path").asText());

      var c = w.ctr("limited", "/bin/sleep", "3600");
      c.setLinux(c.getLinux().toBuilder().setResources(LinuxContainerResources.newBuilder()
          .setMemoryLimitInBytes(64L << 20).setCpuQuota(50_000).setCpuPeriod(100_000)));
      String id = w.run(pod, pc, c);
      String scope = "jcri-ctr-" + id + ".scope";
      assertEquals("active", systemctl("is-active", scope), handler + ": the runtime made the scope");
      assertEquals(slice, property(scope, "Slice"));
      Path scopeDir = cgroupDir(slice + ":jcri:ctr-" + id);
      assertTrue(runsIn(scopeDir), "the container runs in the scope (crun puts it in a leaf below)");
      assertEquals("67108864", effective(scopeDir, "memory.max"), "the limit, on the scope or crun's cgroup in it");
      assertEquals("0::/", w.exec(id, "cat", "/proc/self/cgroup").getStdout().toStringUtf8().strip(),
          "a cgroup namespace of its own");

      fixture.client.runtime().updateContainerResources(UpdateContainerResourcesRequest.newBuilder()
          .setContainerId(id).setLinux(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(96L << 20))
          .build());
      assertEquals("100663296", property(scope, "MemoryMax"), "systemd keeps the update as the unit's property");
      assertEquals(java.util.Set.of("100663296"), values(scopeDir, "memory.max"),
          "the update reached the scope and every cgroup in it");
      assertTrue(fixture.client.runtime().containerStats(ContainerStatsRequest.newBuilder().setContainerId(id).build())
          .getStats().getMemory().getWorkingSetBytes().getValue() > 0, "stats read the scope's cgroup");

      fixture.client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
      assertFalse(systemctl("is-active", scope).equals("active"), "the scope went with the container");
      assertFalse(systemctl("is-active", slice).equals("active"), "jcri's own slice is stopped");
      assertFalse(Files.exists(cgroupDir(slice)), "and its cgroup is gone");
    }
  }

  /** kubelet makes each pod's slice before RunPodSandbox and removes it after: jcri uses it and leaves it. */
  @Test
  void kubeletsPodSlice_isUsedAndLeftToKubelet() throws Exception {
    String slice = "jcritest-pod" + w.next() + "x" + ProcessHandle.current().pid() + ".slice";
    try (DbusSystemdUnits kubelet = DbusSystemdUnits.connect()) {
      kubelet.startSlice(slice, List.of(new UnitProperty("Description", "kubelet's pod slice, as a test makes it")));
      try {
        var pc = w.podConfig(NamespaceMode.POD);
        // as kubelet sends it with cgroupDriver: systemd: the slice's cgroup path (CgroupName.ToSystemd)
        pc.setLinux(pc.getLinux().toBuilder().setCgroupParent(SystemdNames.slicePath(slice)));
        String pod = w.runPod(pc, "");
        String id = w.run(pod, pc, w.ctr("in-kubelets-slice", "/bin/sleep", "3600"));
        assertEquals(slice, property("jcri-ctr-" + id + ".scope", "Slice"));
        assertEquals(slice, property("jcri-infra-" + pod + ".scope", "Slice"), "the PID-sharing pod's infra too");
        fixture.client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        assertEquals("active", systemctl("is-active", slice), "kubelet's slice stays kubelet's");
      } finally {
        kubelet.stop(slice);
        kubelet.stop("jcritest.slice");
      }
    }
  }

  @Test
  void cgroupfsParent_isRefusedAndNothingIsMade() {
    var pc = w.podConfig(NamespaceMode.CONTAINER);
    pc.setLinux(pc.getLinux().toBuilder().setCgroupParent("/kubepods/burstable/pod1"));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> w.runPod(pc, ""));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("systemd slice name"), e.getStatus().getDescription());
    assertEquals(0, fixture.client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
        .getItemsCount());
  }

  /** Slices and scopes are systemd's: a restart of jcri finds its pods and containers in them. */
  @Test
  void restart_keepsPodsInTheirSlices() throws Exception {
    var pc = w.podConfig(NamespaceMode.CONTAINER);
    String pod = w.runPod(pc, "");
    String id = w.run(pod, pc, w.ctr("survivor", "/bin/sleep", "3600"));
    fixture.restart(() -> { });
    assertEquals("active", systemctl("is-active", "jcri-ctr-" + id + ".scope"));
    assertEquals("ok", w.exec(id, "echo", "ok").getStdout().toStringUtf8().strip());
  }

  /**
   * The bus going away under a running jcri (dbus killed; its socket starts it again at the next connection)
   * and systemd re-executing itself: jcri connects again and pods and containers go on starting and stopping
   * in their units, without a restart of jcri.
   */
  @Test
  void busRestartAndSystemdReexec_jcriConnectsAgainWithoutARestart() throws Exception {
    var pc = w.podConfig(NamespaceMode.CONTAINER);
    String before = w.runPod(pc, "");
    String survivor = w.run(before, pc, w.ctr("survivor", "/bin/sleep", "3600"));

    assertEquals("", systemctl("kill", "-s", "KILL", "dbus.service"));
    // Nothing restarts the bus but dbus.socket, at the next connection: jcri's own, connecting again.
    var pc2 = w.podConfig(NamespaceMode.CONTAINER);
    String afterBus = w.runPod(pc2, "");
    String id = w.run(afterBus, pc2, w.ctr("after-bus", "/bin/sleep", "3600"));
    assertEquals("active", systemctl("is-active", "jcri-pod" + afterBus + ".slice"));
    assertEquals("active", systemctl("is-active", "jcri-ctr-" + id + ".scope"));

    assertEquals("", systemctl("daemon-reexec"));
    var pc3 = w.podConfig(NamespaceMode.CONTAINER);
    String afterReexec = w.runPod(pc3, "");
    String id2 = w.run(afterReexec, pc3, w.ctr("after-reexec", "/bin/sleep", "3600"));
    assertEquals("active", systemctl("is-active", "jcri-ctr-" + id2 + ".scope"));

    // what was made before either is still stopped and removed through systemd
    fixture.client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(before).build());
    assertFalse(systemctl("is-active", "jcri-ctr-" + survivor + ".scope").equals("active"));
    assertFalse(systemctl("is-active", "jcri-pod" + before + ".slice").equals("active"));
  }
}
