package dev.jcri.server.it;

import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.image.testing.LocalRegistry;
import dev.jcri.image.testing.RegistryPusher;
import dev.jcri.image.testing.TestImage;
import dev.jcri.server.JcriDaemon;
import dev.jcri.server.config.ConfigLoader;
import dev.jcri.common.Libc;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The usual integration-test set-up in one place: a local registry with a busybox image (pulled), a CNI network
 * of the test's own, jcri in-process on paths under the test's directory, a client and workloads; closing
 * removes every pod and sweeps what a failed test left.
 */
final class JcriFixture {

  final Path dir;
  final LocalRegistry registry;
  final TestPaths paths;
  final PodNetworkFixture net;
  /** Replaced by {@link #restart}. */
  JcriDaemon daemon;
  /** Replaced by {@link #restart}; the fixture's workloads always use the current one. */
  CriSocket client;
  final String image;
  /** TOML lines of the test's own on top of {@link TestPaths#toml}. */
  final String extraToml;
  final List<String> pods = new CopyOnWriteArrayList<>();
  final Workloads workloads;

  private JcriFixture(Path dir, LocalRegistry registry, TestPaths paths, PodNetworkFixture net, JcriDaemon daemon,
      CriSocket client, String image, String extraToml) {
    this.extraToml = extraToml;
    this.dir = dir;
    this.registry = registry;
    this.paths = paths;
    this.net = net;
    this.daemon = daemon;
    this.client = client;
    this.image = image;
    this.workloads = new Workloads(() -> this.client, image, dir, pods);
  }

  static JcriFixture start(Path dir) throws Exception {
    return start(dir, new TestImage().busyboxLayer().cmd("/bin/sleep", "3600"));
  }

  /** As {@link #start(Path)}, with {@code testImage} as the image pulled and served as {@code it/busybox:1}. */
  static JcriFixture start(Path dir, TestImage testImage) throws Exception {
    return start(dir, testImage, "");
  }

  /** As {@link #start(Path, TestImage)}, with {@code extraToml} added to jcri's configuration. */
  static JcriFixture start(Path dir, TestImage testImage, String extraToml) throws Exception {
    LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"));
    new RegistryPusher(registry).push("it/busybox", "1", testImage.build());
    String image = registry.host() + "/it/busybox:1";
    TestPaths paths = new TestPaths(dir.resolve("jcri"));
    PodNetworkFixture net = new PodNetworkFixture(paths.cniConfDir(), dir, "");
    mountLikeRun(paths.state());
    JcriDaemon daemon;
    try {
      daemon = JcriDaemon.start(ConfigLoader.fromToml(paths.toml(extraToml), "test"), OpenTelemetry.noop());
    } catch (Exception | Error e) {
      Libc.INSTANCE.umount2(paths.state().toString(), Libc.MNT_DETACH);
      net.close();
      registry.close();
      throw e;
    }
    CriSocket client = new CriSocket(paths.socket());
    client.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
    return new JcriFixture(dir, registry, paths, net, daemon, client, image, extraToml);
  }

  /**
   * jcri's state on a tmpfs mounted as systemd mounts /run, where the state is on real nodes: noexec, nosuid,
   * nodev. Nothing jcri writes there may need to be executed from there. The sweep at close unmounts it.
   */
  static void mountLikeRun(Path state) throws IOException {
    Files.createDirectories(state);
    Libc.INSTANCE.mount("tmpfs", state.toString(), "tmpfs", Libc.MS_NOEXEC | Libc.MS_NOSUID | Libc.MS_NODEV,
        "mode=0755");
  }

  /** What a test does while jcri is down. */
  interface WhileDown {
    void run() throws Exception;
  }

  /** Stops jcri (containers keep running), runs {@code whileDown}, and starts it again on the same state. */
  void restart(WhileDown whileDown) throws Exception {
    daemon.close();
    whileDown.run();
    daemon = JcriDaemon.start(ConfigLoader.fromToml(paths.toml(extraToml), "test"), OpenTelemetry.noop());
    client.close();
    client = new CriSocket(paths.socket());
  }

  /** Removes every pod, stops jcri and sweeps what a failed test left. */
  void close() throws Exception {
    try {
      for (var p : client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
        client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
      }
      client.close();
      daemon.close();
    } finally {
      net.close();
      registry.close();
      Sweeper.sweep(dir, pods);
    }
  }
}
