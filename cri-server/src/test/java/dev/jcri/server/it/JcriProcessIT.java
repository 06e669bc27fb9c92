package dev.jcri.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.server.config.ConfigLoader;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jcri started as a process: start-up, refusal, shutdown, CLI. */
class JcriProcessIT {

  static final Duration START = Duration.ofSeconds(30);

  @TempDir Path dir;

  private Path config(TestPaths paths, String extra) throws IOException {
    Path file = dir.resolve("jcri.toml");
    Files.writeString(file, paths.toml(extra));
    return file;
  }

  private String[] serve(Path config) {
    return new String[] {"--config", config.toString(), "--config-dir", dir.resolve("none.d").toString()};
  }

  /**
   * The heap running out is an exit, not a runtime that limps on: the launcher's JVM ends at once with code 3,
   * and a start on the same state (what systemd's Restart=always does) serves again.
   */
  @Test
  void heapExhausted_exitsAtOnce_andARestartServes() throws Exception {
    TestPaths paths = new TestPaths(dir.resolve("oom"));
    Path config = config(paths, "");
    try (JcriProcess starved = JcriProcess.launch(dir, java.util.Map.of("JCRI_JAVA_OPTS", "-Xms4m -Xmx4m -Xmn1m"),
        serve(config))) {
      assertTrue(starved.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "exited:\n" + starved.output());
      assertEquals(3, starved.process().exitValue(), starved.output());
      assertTrue(starved.output().contains("Terminating due to java.lang.OutOfMemoryError"), starved.output());
    }
    try (JcriProcess jcri = JcriProcess.launch(dir, serve(config))) {
      jcri.awaitSocket(paths.socket(), START);
      try (CriSocket client = new CriSocket(paths.socket())) {
        assertEquals("jcri", client.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName());
      }
      assertEquals(0, jcri.terminate(), jcri.output());
    }
  }

  /**
   * A PID-sharing pod's infra (catatonit, which crun run --detach leaves without a parent) comes to jcri, a
   * subreaper, and is reaped when the pod stops: gone from the process table, not a zombie until the node's
   * init looks (30 s and more on some nodes).
   */
  @Test
  void stoppedPodsInfra_isReaped_notLeftAZombie() throws Exception {
    TestPaths paths = new TestPaths(dir.resolve("reap"));
    try (JcriProcess jcri = JcriProcess.start(dir, serve(config(paths, "")))) {
      jcri.awaitSocket(paths.socket(), START);
      try (CriSocket client = new CriSocket(paths.socket())) {
        dev.jcri.cri.v1.PodSandboxConfig pod = dev.jcri.cri.v1.PodSandboxConfig.newBuilder()
            .setMetadata(dev.jcri.cri.v1.PodSandboxMetadata.newBuilder().setName("reap").setNamespace("t")
                .setUid("u-reap"))
            .setLogDirectory(dir.resolve("logs").toString())
            .setLinux(dev.jcri.cri.v1.LinuxPodSandboxConfig.newBuilder().setSecurityContext(
                dev.jcri.cri.v1.LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                    dev.jcri.cri.v1.NamespaceOption.newBuilder().setNetwork(dev.jcri.cri.v1.NamespaceMode.NODE)
                        .setPid(dev.jcri.cri.v1.NamespaceMode.POD)))).build();
        String id = client.runtime().runPodSandbox(dev.jcri.cri.v1.RunPodSandboxRequest.newBuilder()
            .setConfig(pod).build()).getPodSandboxId();
        try {
          String info = client.runtime().podSandboxStatus(dev.jcri.cri.v1.PodSandboxStatusRequest.newBuilder()
              .setPodSandboxId(id).setVerbose(true).build()).getInfoOrThrow("info");
          int pid = new com.fasterxml.jackson.databind.ObjectMapper().readTree(info).path("pid").asInt();
          assertTrue(pid > 0, info);
          assertEquals(jcri.process().pid(), dev.jcri.common.ProcStat.of(pid).parent(), "catatonit's parent is jcri");
          client.runtime().stopPodSandbox(dev.jcri.cri.v1.StopPodSandboxRequest.newBuilder().setPodSandboxId(id)
              .build());
          assertFalse(Files.exists(Path.of("/proc/" + pid)), "reaped by the time StopPodSandbox returns");
        } finally {
          client.runtime().stopPodSandbox(dev.jcri.cri.v1.StopPodSandboxRequest.newBuilder().setPodSandboxId(id)
              .build());
          client.runtime().removePodSandbox(dev.jcri.cri.v1.RemovePodSandboxRequest.newBuilder()
              .setPodSandboxId(id).build());
        }
      }
      assertEquals(0, jcri.terminate(), jcri.output());
    }
  }

  @Test
  void sigterm_finishesCleanly_removesSocket_exits0() throws Exception {
    TestPaths paths = new TestPaths(dir.resolve("a"));
    try (JcriProcess jcri = JcriProcess.start(dir, serve(config(paths, "")))) {
      jcri.awaitSocket(paths.socket(), START);
      try (CriSocket client = new CriSocket(paths.socket())) {
        assertEquals("jcri", client.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName());
      }
      assertEquals(2, MountTable.under(paths.state()).stream().filter(MountTable::isRuntimeBinary).count(),
          "crun and runc bound read-only while jcri runs");
      assertEquals(0, jcri.terminate(), jcri.output());
      assertFalse(Files.exists(paths.socket()), "socket removed on SIGTERM");
      assertEquals(java.util.List.of(), MountTable.under(paths.state()), "the runtime mounts go with jcri");
      assertTrue(jcri.output().contains("stopped"), jcri.output());
    }
  }

  /**
   * systemd may stop jcri while it starts. A SIGTERM at any moment of the start ends it cleanly: after the JVM is
   * up, the stop waits for the start and undoes it (exit 0); before, the JVM's own exit (143). Never the runtime
   * binaries' mounts left behind, never a stack trace.
   */
  @Test
  void sigtermDuringTheStart_atAnyMoment_leavesNoMountAndNoStackTrace() throws Exception {
    TestPaths paths = new TestPaths(dir.resolve("early"));
    Path config = config(paths, "");
    java.util.Set<Integer> codes = new java.util.TreeSet<>();
    for (int delayMs = 100; delayMs <= 1500; delayMs += 100) {
      try (JcriProcess jcri = JcriProcess.launch(dir, serve(config))) {
        Thread.sleep(delayMs);
        int code = jcri.terminate();
        codes.add(code);
        String out = jcri.output();
        assertTrue(code == 0 || code == 143, "SIGTERM after " + delayMs + " ms: exit " + code + "\n" + out);
        assertFalse(out.contains("Exception in thread"), "SIGTERM after " + delayMs + " ms:\n" + out);
        assertEquals(java.util.List.of(), MountTable.under(paths.state()), "SIGTERM after " + delayMs + " ms:\n" + out);
      }
    }
    assertTrue(codes.contains(0), "no SIGTERM landed after the JVM was up: " + codes);
  }

  @Test
  void launcher_loadsTheJniLibrariesFromLibNative_noneUnpackedToATemporaryFile_keepsCompiledCode() throws Exception {
    TestPaths paths = new TestPaths(dir.resolve("native"));
    Path nativeDir = JcriProcess.JAR.getParent().resolve("lib/native");
    try (JcriProcess jcri = JcriProcess.launch(dir, serve(config(paths, "")))) {
      jcri.awaitSocket(paths.socket(), START);
      try (CriSocket client = new CriSocket(paths.socket())) {
        client.runtime().version(VersionRequest.getDefaultInstance());
      }
      String maps = Files.readString(Path.of("/proc", Long.toString(jcri.process().pid()), "maps"));
      for (String lib : java.util.List.of("libjnidispatch.so", "libnetty_transport_native_epoll_x86_64.so")) {
        assertTrue(maps.contains(nativeDir.resolve(lib).toString()), lib + " mapped from " + nativeDir + ":\n" + maps);
      }
      // What JNA and Netty unpack otherwise (~/.cache/JNA/temp/jna*.tmp, /tmp/libnetty*.so, deleted once loaded).
      java.util.List<String> elsewhere = maps.lines().filter(l -> l.contains("jna") || l.contains("netty"))
          .filter(l -> !l.contains(nativeDir.toString())).toList();
      assertEquals(java.util.List.of(), elsewhere, "JNI libraries unpacked to temporary files");
      // The JVM the launcher started keeps its compiled code (flushing set off a full collection about once
      // a minute under kubelet's polling).
      Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          Long.toString(jcri.process().pid()), "VM.flags").redirectErrorStream(true).start();
      String flags = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertEquals(0, jcmd.waitFor());
      assertTrue(flags.contains("-XX:-UseCodeCacheFlushing"), flags);
      assertEquals(0, jcri.terminate(), jcri.output());
    }
  }

  @Test
  @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
  void systemdNotify_readyWhenServing_stoppingOnSigterm() throws Exception {
    TestPaths paths = new TestPaths(dir.resolve("notify"));
    Path notify = dir.resolve("notify.sock");
    dev.jcri.common.Libc c = dev.jcri.common.Libc.INSTANCE;
    int fd = c.socket(dev.jcri.common.Libc.AF_UNIX, dev.jcri.common.Libc.SOCK_DGRAM, 0);
    try {
      byte[] addr = dev.jcri.common.Libc.sockaddrUn(notify.toString());
      c.bind(fd, addr, addr.length);
      try (JcriProcess jcri = JcriProcess.start(dir, java.util.Map.of("NOTIFY_SOCKET", notify.toString()),
          serve(config(paths, "")))) {
        jcri.awaitSocket(paths.socket(), START);
        byte[] buf = new byte[512];
        long n = c.recv(fd, buf, buf.length, 0);
        String msg = new String(buf, 0, (int) n, java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(msg.startsWith("READY=1\n"), msg);
        assertTrue(msg.contains("MAINPID=" + jcri.process().pid()), msg);
        assertEquals(0, jcri.terminate());
        n = c.recv(fd, buf, buf.length, 0);
        assertEquals("STOPPING=1", new String(buf, 0, (int) n, java.nio.charset.StandardCharsets.UTF_8));
      }
    } finally {
      c.close(fd);
    }
  }

  @Test
  void secondJcri_onALiveSocket_isRefusedAndLeavesItAlone() throws Exception {
    TestPaths first = new TestPaths(dir.resolve("first"));
    try (JcriProcess jcri = JcriProcess.start(dir, serve(config(first, "")))) {
      jcri.awaitSocket(first.socket(), START);

      // Same socket, its own state directory: the socket probe must refuse.
      Path other = dir.resolve("other.toml");
      Files.writeString(other, "socket = \"" + first.socket() + "\"\nstate = \"" + dir.resolve("other-run")
          + "\"\nroot = \"" + dir.resolve("other-lib") + "\"\n");
      JcriProcess.Result refused = JcriProcess.run(dir, "--config", other.toString(),
          "--config-dir", dir.resolve("none.d").toString());
      assertEquals(1, refused.exitCode(), refused.output());
      assertTrue(refused.output().contains("already serving " + first.socket()), refused.output());

      // Same state directory: the lock must refuse.
      JcriProcess.Result locked = JcriProcess.run(dir, serve(dir.resolve("jcri.toml")));
      assertEquals(1, locked.exitCode(), locked.output());
      assertTrue(locked.output().contains("another jcri is running"), locked.output());

      try (CriSocket client = new CriSocket(first.socket())) {
        assertEquals("jcri", client.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName(),
            "the first jcri still serves");
      }
      assertEquals(0, jcri.terminate());
    }
  }

  @Test
  void staleSocket_isReplaced() throws Exception {
    TestPaths paths = new TestPaths(dir.resolve("stale"));
    Files.createDirectories(paths.socket().getParent());
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(paths.socket()));
    }
    assertTrue(Files.exists(paths.socket()), "a socket file nobody listens on");
    try (JcriProcess jcri = JcriProcess.start(dir, serve(config(paths, "")))) {
      jcri.awaitSocket(paths.socket(), START);
      try (CriSocket client = new CriSocket(paths.socket())) {
        assertEquals("v1", client.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeApiVersion());
      }
      assertEquals(0, jcri.terminate());
    }
  }

  @Test
  void configErrors_stopStartWithFileKeyAndExpectation() throws Exception {
    TestPaths paths = new TestPaths(dir.resolve("bad"));
    JcriProcess.Result unknown = JcriProcess.run(dir, serve(config(paths, "log_levle = \"debug\"")));
    assertEquals(1, unknown.exitCode());
    assertTrue(unknown.output().contains("jcri.toml: unknown key 'log_levle'"), unknown.output());

    JcriProcess.Result badType = JcriProcess.run(dir, serve(config(paths, "log_level = 3")));
    assertEquals(1, badType.exitCode());
    assertTrue(badType.output().contains("key 'log_level': expected one of debug, info, warn, error"),
        badType.output());
    assertFalse(Files.exists(paths.socket()), "no socket from a refused start");

    if (!dev.jcri.sandbox.node.CgroupDriver.systemdRunning()) {
      JcriProcess.Result systemd = JcriProcess.run(dir, serve(config(paths, "cgroup_driver = \"systemd\"")));
      assertEquals(1, systemd.exitCode());
      assertTrue(systemd.output().contains("\"systemd\", but systemd is not this node's init"), systemd.output());
      assertFalse(Files.exists(paths.socket()), "no socket from a refused start");
    }
  }

  @Test
  void configCommand_printsWhatParsesBackToTheEffectiveConfig() throws Exception {
    TestPaths paths = new TestPaths(dir.resolve("cfg"));
    Path file = config(paths, "log_format = \"json\"\n[registry]\ninsecure = [\"10.0.0.1:5000\"]");
    Path dropIns = Files.createDirectories(dir.resolve("cfg.d"));
    Files.writeString(dropIns.resolve("10-mirror.toml"),
        "[registry.mirrors.\"docker.io\"]\nendpoints = [\"http://127.0.0.1:5000\"]\n");
    JcriProcess.Result printed = JcriProcess.run(dir, "config", "--config", file.toString(),
        "--config-dir", dropIns.toString());
    assertEquals(0, printed.exitCode(), printed.output());
    String toml = printed.output().lines().filter(l -> !l.startsWith("WARNING:"))
        .reduce("", (a, b) -> a + b + "\n");
    assertEquals(ConfigLoader.load(file, true, dropIns), ConfigLoader.fromToml(toml, "jcri config output"));
  }

  @Test
  void versionAndCheck_commandsRun() throws Exception {
    JcriProcess.Result version = JcriProcess.run(dir, "version");
    assertEquals(0, version.exitCode());
    assertTrue(version.output().startsWith("jcri "), version.output());

    TestPaths paths = new TestPaths(dir.resolve("check"));
    JcriProcess.Result check = JcriProcess.run(dir, "check", "--config", config(paths, "").toString(),
        "--config-dir", dir.resolve("none.d").toString());
    assertEquals(0, check.exitCode(), check.output());
    assertTrue(check.output().contains("OK    crun"), check.output());
    assertTrue(check.output().contains("OK    overlayfs"), check.output());
    assertTrue(check.output().contains("cni-config"), check.output());
    assertTrue(check.output().contains("OK    cgroup-driver cgroupfs"), check.output());
    if (!dev.jcri.sandbox.node.CgroupDriver.systemdRunning()) {
      JcriProcess.Result systemd = JcriProcess.run(dir, "check", "--config",
          config(paths, "cgroup_driver = \"systemd\"").toString(), "--config-dir", dir.resolve("none.d").toString());
      assertEquals(1, systemd.exitCode(), systemd.output());
      assertTrue(systemd.output().contains("FAIL  cgroup-driver"), systemd.output());
    }
  }
}
