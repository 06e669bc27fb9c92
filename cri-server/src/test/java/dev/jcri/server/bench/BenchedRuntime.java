package dev.jcri.server.bench;

import dev.jcri.server.it.CriSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One CRI runtime the bench drives: jcri through its launcher, or containerd with its CRI plugin and crun,
 * each with its own socket, state, and a bridge network configured alike.
 */
final class BenchedRuntime implements AutoCloseable {

  final String name;
  final Path socket;
  final Process process;
  final double readyMs;
  final CriSocket client;
  /** The per-pod and per-container helper processes this runtime leaves running. */
  final Predicate<Procs.Proc> helpers;
  final String sandboxImage;
  /** Where its output goes. */
  final Path log;
  /** The bridge its CNI network makes, removed when the runtime is stopped (the bridge plugin leaves it). */
  private final String bridge;

  private BenchedRuntime(String name, Path socket, Process process, double readyMs, Predicate<Procs.Proc> helpers,
      String sandboxImage, String bridge, Path log) {
    this.name = name;
    this.log = log;
    this.socket = socket;
    this.process = process;
    this.readyMs = readyMs;
    this.client = new CriSocket(socket);
    this.helpers = helpers;
    this.sandboxImage = sandboxImage;
    this.bridge = bridge;
  }

  /** Where jcri's start went, as it logs when serving (its start_phases_ms), or "" for another runtime. */
  String startPhases() throws IOException, InterruptedException {
    java.util.regex.Pattern line = java.util.regex.Pattern.compile(
        "ready_ms_since_process_start=(\\d+) start_phases_ms=\"([^\"]*)\"");
    for (int i = 0; i < 100; i++) { // the line comes just after the socket serves
      java.util.regex.Matcher m = line.matcher(Files.readString(log));
      if (m.find()) {
        return "ready " + m.group(1) + ": " + m.group(2);
      }
      Thread.sleep(20);
    }
    return "";
  }

  static String bridgeConf(String net, String bridge, String subnet) {
    return """
        {"cniVersion": "1.0.0", "name": "%s", "plugins": [
          {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false, "hairpinMode": true,
           "ipam": {"type": "host-local", "ranges": [[{"subnet": "%s"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
          {"type": "portmap", "capabilities": {"portMappings": true}}]}
        """.formatted(net, bridge, subnet);
  }

  static BenchedRuntime jcri(Path launcher, Path home, Path dir) throws Exception {
    Path netd = Files.createDirectories(dir.resolve("net.d"));
    Files.writeString(netd.resolve("10-bench.conflist"), bridgeConf("jbench", "jbench0", "10.201.0.0/16"));
    Path socket = dir.resolve("jcri.sock");
    Path config = dir.resolve("jcri.toml");
    // -Djcri.bench.jcriLogLevel=debug: jcri logs every call it answers, with its time (for a look at a run's logs,
    // -Djcri.bench.keepLogs); it costs CPU, so never for a run whose table counts.
    Files.writeString(config, """
        socket = "%s"
        state = "%s"
        root = "%s"
        log_level = "%s"
        [cni]
        conf_dir = "%s"
        default_network = false
        """.formatted(socket, dir.resolve("run"), dir.resolve("lib"),
        System.getProperty("jcri.bench.jcriLogLevel", "info"), netd));
    ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "serve", "--config", config.toString(),
        "--config-dir", dir.resolve("none").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("jcri.log").toFile());
    pb.environment().put("JCRI_HOME", home.toString());
    String state = dir.resolve("run").toString();
    return start("jcri", pb, socket, p -> p.comm().equals("conmon") && String.join(" ", p.args()).contains(state),
        "", "jbench0", dir.resolve("jcri.log"));
  }

  static BenchedRuntime containerd(Path dir, String registryHost, String sandboxImage) throws Exception {
    Path netd = Files.createDirectories(dir.resolve("net.d"));
    Files.writeString(netd.resolve("10-bench.conflist"), bridgeConf("cbench", "cbench0", "10.202.0.0/16"));
    Path socket = dir.resolve("containerd.sock");
    Path config = dir.resolve("config.toml");
    Files.writeString(config, """
        version = 2
        root = "%s"
        state = "%s"
        [grpc]
          address = "%s"
        [plugins."io.containerd.grpc.v1.cri"]
          sandbox_image = "%s"
          restrict_oom_score_adj = true
          [plugins."io.containerd.grpc.v1.cri".containerd]
            default_runtime_name = "runc"
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                BinaryName = "/usr/bin/crun"
          [plugins."io.containerd.grpc.v1.cri".cni]
            bin_dir = "/usr/lib/cni"
            conf_dir = "%s"
          [plugins."io.containerd.grpc.v1.cri".registry.mirrors."%s"]
            endpoint = ["http://%s"]
        """.formatted(dir.resolve("root"), dir.resolve("state"), socket, sandboxImage, netd, registryHost,
        registryHost));
    ProcessBuilder pb = new ProcessBuilder("/usr/bin/containerd", "--config", config.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile());
    String address = socket.toString();
    return start("containerd", pb, socket, p -> p.comm().startsWith("containerd-shim")
        && String.join(" ", p.args()).contains(address), sandboxImage, "cbench0", dir.resolve("containerd.log"));
  }

  private static BenchedRuntime start(String name, ProcessBuilder pb, Path socket, Predicate<Procs.Proc> helpers,
      String sandboxImage, String bridge, Path log) throws Exception {
    Files.deleteIfExists(socket);
    long t0 = System.nanoTime();
    Process p = pb.start();
    while (!Files.exists(socket)) {
      if (!p.isAlive()) {
        throw new IllegalStateException(name + " exited before serving");
      }
      if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(60)) {
        throw new IllegalStateException(name + " did not serve within 60 s");
      }
      Thread.sleep(2);
    }
    // Ready means the socket accepts a connection (a raw connect, so the bench's own gRPC start-up is not counted).
    while (true) {
      try {
        java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket)).close();
        break;
      } catch (IOException notYet) {
        Thread.sleep(2);
      }
    }
    double ready = (System.nanoTime() - t0) / 1e6;
    BenchedRuntime r = new BenchedRuntime(name, socket, p, ready, helpers, sandboxImage, bridge, log);
    while (true) {
      try {
        r.client.runtime().version(dev.jcri.cri.v1.VersionRequest.getDefaultInstance());
        return r;
      } catch (io.grpc.StatusRuntimeException notYet) {
        Thread.sleep(2);
      }
    }
  }

  double rssMib() {
    return Procs.rssMib(process.pid());
  }

  double[] helpersRss() throws IOException {
    return Procs.rssOf(helpers);
  }

  @Override
  public void close() {
    client.close();
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
      run(List.of("ip", "link", "del", bridge));
      if (name.equals("containerd")) {
        removeEmptyCgroups("k8s.io");
      }
    } catch (IOException e) {
      System.out.println("could not remove bridge " + bridge + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A runtime leaves its pods' (empty) parent cgroup in every hierarchy when it stops: containerd's is removed
   * as it stops, jcri's once the bench is over (jcri is started again on the same state in between, and the
   * last pods' processes may still be dying when it stops).
   */
  static void removeEmptyCgroups(String name) throws IOException {
    List<Path> roots = new java.util.ArrayList<>(List.of(Path.of("/sys/fs/cgroup")));
    try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
      roots.addAll(hierarchies.filter(Files::isDirectory).toList());
    }
    for (Path root : roots) {
      Path dir = root.resolve(name);
      if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      try (var below = Files.walk(dir)) {
        for (Path d : below.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder()).toList()) {
          try {
            Files.delete(d);
          } catch (IOException inUse) {
            System.out.println("left cgroup " + d + ": " + inUse.getMessage());
          }
        }
      }
    }
  }

  static void run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
    p.waitFor(60, TimeUnit.SECONDS);
  }
}
