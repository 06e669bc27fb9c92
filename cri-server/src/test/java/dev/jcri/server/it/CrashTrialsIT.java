package dev.jcri.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.AtomicFiles;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.PodSandboxState;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemoveImageRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.image.testing.LocalRegistry;
import dev.jcri.image.testing.RegistryPusher;
import dev.jcri.image.testing.TestImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real jcri process killed with SIGKILL at random instants while pods and containers are created, started,
 * stopped and removed and images pulled; after every restart what jcri lists must match what is there, and
 * nothing may be left that no listed object owns.
 */
class CrashTrialsIT {

  static final int ROUNDS = 12;
  static final int WORKERS = 3;

  @TempDir static Path dir;
  static LocalRegistry registry;
  static PodNetworkFixture net;
  static TestPaths paths;
  static Path config;
  static String image;
  static String image2;
  static final List<String> pods = new CopyOnWriteArrayList<>();
  static int lastSteps;

  @BeforeAll
  static void start() throws Exception {
    registry = LocalRegistry.start(dir.resolve("registry"));
    RegistryPusher pusher = new RegistryPusher(registry);
    pusher.push("it/busybox", "1", new TestImage().busyboxLayer().cmd("/bin/sleep", "3600").build());
    pusher.push("it/other", "1", new TestImage().busyboxLayer().layer(TestImage.Compression.GZIP,
        t -> t.file("data/blob", new byte[4 << 20], 0644)).cmd("/bin/sleep", "3600").build());
    image = registry.host() + "/it/busybox:1";
    image2 = registry.host() + "/it/other:1";
    paths = new TestPaths(dir.resolve("jcri"));
    net = new PodNetworkFixture(paths.cniConfDir(), dir, "");
    config = dir.resolve("jcri.toml");
    Files.writeString(config, paths.toml(""));
  }

  @AfterAll
  static void stop() throws Exception {
    try (JcriProcess p = startJcri(); CriSocket client = new CriSocket(paths.socket())) {
      // After a failure: let jcri remove what the trials left, so the cgroups can go.
      for (PodSandbox pod : client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
          .getItemsList()) {
        client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
      }
      p.terminate();
    } catch (Exception | AssertionError e) {
      System.err.println("cleanup through jcri failed: " + e);
    }
    try {
      net.close();
      registry.close();
    } finally {
      Sweeper.sweep(dir, pods);
    }
  }

  static JcriProcess startJcri() throws Exception {
    JcriProcess p = JcriProcess.start(dir.resolve("out"), "--config", config.toString(), "--config-dir",
        dir.resolve("none").toString());
    p.awaitSocket(paths.socket(), Duration.ofSeconds(60));
    return p;
  }

  /** Random lifecycles until the runtime goes away under it. */
  static void work(CriSocket client, Workloads w, long seed, AtomicInteger steps) {
    Random r = new Random(seed);
    try {
      while (true) {
        if (r.nextInt(6) == 0) {
          client.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder()
              .setImage(image2)).build());
          steps.incrementAndGet();
          client.images().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder()
              .setImage(image2)).build());
          steps.incrementAndGet();
        }
        var pc = w.podConfig(NamespaceMode.CONTAINER);
        String pod = w.runPod(pc, r.nextBoolean() ? "" : "runc");
        steps.incrementAndGet();
        String c = w.create(pod, pc, w.ctr("c" + w.next(), "/bin/sleep", "3600"));
        steps.incrementAndGet();
        client.runtime().startContainer(dev.jcri.cri.v1.StartContainerRequest.newBuilder().setContainerId(c)
            .build());
        steps.incrementAndGet();
        if (r.nextBoolean()) {
          client.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(c).setTimeout(0).build());
          steps.incrementAndGet();
          client.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(c).build());
          steps.incrementAndGet();
        }
        if (r.nextInt(3) > 0) {
          client.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
          steps.incrementAndGet();
          client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
          steps.incrementAndGet();
        }
      }
    } catch (RuntimeException expected) {
      // the runtime was killed
    }
  }

  @Test
  void sigkillAtRandomInstants_losesNothingAndLeavesNothing() throws Exception {
    Random random = new Random(20261126);
    AtomicInteger steps = new AtomicInteger();
    List<String> report = new ArrayList<>();
    java.util.concurrent.atomic.AtomicReference<CriSocket> current = new java.util.concurrent.atomic.AtomicReference<>();
    Workloads w = new Workloads(current::get, image, dir, pods);
    for (int round = 0; round < ROUNDS; round++) {
      JcriProcess jcri = startJcri();
      try (CriSocket client = new CriSocket(paths.socket())) {
        current.set(client);
        if (round == 0) {
          client.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image))
              .build());
        }
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < WORKERS; i++) {
          long seed = random.nextLong();
          workers.add(Thread.ofPlatform().start(() -> work(client, w, seed, steps)));
        }
        long delay = 200 + random.nextInt(2500);
        Thread.sleep(delay);
        jcri.process().destroyForcibly().waitFor();
        for (Thread t : workers) {
          t.join(60_000);
        }
        report.add("round " + round + ": killed after " + delay + " ms, " + steps.get() + " steps so far");
        lastSteps = steps.get();
      } finally {
        jcri.close();
      }
      JcriProcess again = startJcri();
      try (CriSocket client = new CriSocket(paths.socket())) {
        Thread.sleep(300);
        checkListedMatchesReality(client);
        checkNothingUnowned(client);
      } finally {
        again.terminate();
      }
    }
    JcriProcess last = startJcri();
    try (CriSocket client = new CriSocket(paths.socket())) {
      for (PodSandbox p : client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
          .getItemsList()) {
        client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
      }
      checkNothingUnowned(client);
      assertEquals(List.of(), MountTable.leftUnder(dir), "no mount left once every pod is removed");
      assertEquals(List.of(), conmons(), "no conmon left");
    } finally {
      last.terminate();
    }
    System.out.println("crash trials: " + ROUNDS + " SIGKILLs, " + steps.get() + " completed steps\n"
        + String.join("\n", report));
    assertTrue(steps.get() > 50, "enough work happened between the kills: " + steps.get());
  }

  @Test
  void sigtermWithTwentyRunningPods_allComeBackAsTheyWere() throws Exception {
    java.util.concurrent.atomic.AtomicReference<CriSocket> current = new java.util.concurrent.atomic.AtomicReference<>();
    Workloads w = new Workloads(current::get, image, dir.resolve("twenty"), pods);
    java.util.Map<String, String> pidOf = new java.util.HashMap<>();
    java.util.Map<String, Path> logOf = new java.util.HashMap<>();
    JcriProcess jcri = startJcri();
    try (CriSocket client = new CriSocket(paths.socket())) {
      current.set(client);
      client.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image))
          .build());
      for (int i = 0; i < 20; i++) {
        var pc = w.podConfig(NamespaceMode.CONTAINER);
        String pod = w.runPod(pc, "");
        String c = w.run(pod, pc, w.ctr("ticker", "/bin/sh", "-c", "while true; do echo tick; sleep 0.2; done"));
        pidOf.put(c, pid(client, c));
        logOf.put(c, Path.of(pc.getLogDirectory(), "ticker.log"));
      }
      assertEquals(0, jcri.terminate(), "SIGTERM stops jcri cleanly");
    } finally {
      jcri.close();
    }
    java.util.Map<String, Long> sizeAtStop = new java.util.HashMap<>();
    for (var e : logOf.entrySet()) {
      sizeAtStop.put(e.getKey(), Files.size(e.getValue()));
    }
    Thread.sleep(500);
    JcriProcess again = startJcri();
    try (CriSocket client = new CriSocket(paths.socket())) {
      var listed = client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList();
      assertEquals(20, listed.stream().filter(p -> p.getState() == PodSandboxState.SANDBOX_READY).count());
      var ctrs = client.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList();
      assertEquals(20, ctrs.stream().filter(c -> c.getState() == ContainerState.CONTAINER_RUNNING).count());
      for (var c : ctrs) {
        assertEquals(pidOf.get(c.getId()), pid(client, c.getId()), "same process as before the restart");
      }
      Thread.sleep(500);
      for (var e : logOf.entrySet()) {
        assertTrue(Files.size(e.getValue()) > sizeAtStop.get(e.getKey()), "the log of " + e.getKey() + " goes on");
      }
      for (PodSandbox p : listed) {
        client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
      }
      checkNothingUnowned(client);
    } finally {
      again.terminate();
    }
  }

  static String pid(CriSocket client, String container) {
    var st = client.runtime().containerStatus(dev.jcri.cri.v1.ContainerStatusRequest.newBuilder()
        .setContainerId(container).setVerbose(true).build());
    return st.getInfoMap().getOrDefault("info", "").replaceAll("(?s).*\"pid\"\\s*:\\s*(\\d+).*", "$1");
  }

  static void checkListedMatchesReality(CriSocket client) throws IOException {
    for (var c : client.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
      if (c.getState() == ContainerState.CONTAINER_RUNNING) {
        String pid = pid(client, c.getId());
        assertTrue(pid.matches("\\d+") && Files.exists(Path.of("/proc", pid)),
            "running container " + c.getId() + " has a live process (pid " + pid + ")");
      }
    }
    for (PodSandbox p : client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
      if (p.getState() == PodSandboxState.SANDBOX_READY) {
        assertTrue(Files.exists(paths.state().resolve("netns").resolve(p.getId())),
            "ready pod " + p.getId() + " has its network namespace");
      }
    }
  }

  static void checkNothingUnowned(CriSocket client) throws IOException {
    List<PodSandbox> listed = client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
        .getItemsList();
    Set<String> podIds = listed.stream().map(PodSandbox::getId).collect(Collectors.toSet());
    Set<String> ctrIds = client.runtime().listContainers(ListContainersRequest.getDefaultInstance())
        .getContainersList().stream().map(c -> c.getId()).collect(Collectors.toSet());
    for (String m : MountTable.leftUnder(dir)) {
      assertTrue(podIds.stream().anyMatch(m::contains) || ctrIds.stream().anyMatch(m::contains)
          || m.contains("/snapshots/"), "mount " + m + " belongs to a listed pod or container");
    }
    for (String kind : List.of("netns", "ipcns", "utsns")) {
      for (String pin : list(paths.state().resolve(kind))) {
        assertTrue(podIds.contains(pin), kind + " pin " + pin + " belongs to a listed pod");
      }
    }
    // The infra of a PID-sharing pod starts during RunPodSandbox: one cut short leaves none behind.
    for (String infra : list(paths.state().resolve("infra"))) {
      assertTrue(podIds.contains(infra), "infra of " + infra + " belongs to a listed pod");
    }
    // A lease names the pod it was given to (host-local writes the container id into the file); a NOTREADY pod
    // whose stop was cut short still owns its lease until the next StopPodSandbox.
    for (String ip : net.leasedIps()) {
      String owner = Files.readAllLines(net.leases.resolve(net.bridge).resolve(ip)).getFirst().strip();
      assertTrue(podIds.contains(owner), "lease " + ip + " belongs to listed pod " + owner);
    }
    assertTrue(net.attachedLinks().size() <= listed.size(), "veths " + net.attachedLinks() + " for " + listed.size()
        + " listed pods");
    // A conmon whose unfinished container the restart removed exits on its own, a moment later.
    List<String> strays = List.of();
    for (int i = 0; i < 50; i++) {
      strays = conmons().stream().filter(id -> !ctrIds.contains(id)).toList();
      if (strays.isEmpty()) {
        break;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    assertEquals(List.of(), strays, "conmons of containers no listed container owns");
    for (Path h : NodeCgroups.roots()) {
      for (String cg : list(h.resolve("jcri"))) {
        if (cg.startsWith("pod-") && !NodeCgroups.others(cg)) {
          assertTrue(podIds.contains(cg.substring(4)), "cgroup " + h.resolve("jcri").resolve(cg)
              + " belongs to a listed pod");
        }
      }
    }
    try (Stream<Path> files = Files.walk(paths.root())) {
      List<Path> temps = files.filter(f -> f.getFileName().toString().contains(AtomicFiles.TEMP_INFIX)).toList();
      assertEquals(List.of(), temps, "no half-written record");
    }
  }

  static List<String> list(Path d) throws IOException {
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  /** Container ids of the conmon processes running for this test's jcri. */
  static List<String> conmons() throws IOException {
    List<String> ids = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        String cmd;
        try {
          cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
        } catch (IOException gone) {
          continue;
        }
        List<String> args = List.of(cmd.split("\0"));
        if (cmd.contains(dir.toString()) && cmd.contains("conmon")) {
          // conmon names the container after its (last) -c.
          int c = args.lastIndexOf("-c");
          ids.add(c >= 0 && c + 1 < args.size() ? args.get(c + 1) : "?");
        }
      }
    }
    return ids;
  }
}
