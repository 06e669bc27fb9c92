package dev.jcri.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.ExecRequest;
import dev.jcri.cri.v1.ExecSyncRequest;
import dev.jcri.cri.v1.ExecSyncResponse;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.image.testing.LocalRegistry;
import dev.jcri.image.testing.RegistryPusher;
import dev.jcri.image.testing.TestImage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pod authors and exec users try to run jcri's heap out, against jcri as a node runs it (the launcher's flags: a
 * 256 MiB heap that exits on OutOfMemoryError). During each attack a watcher calls Version every 100 ms: every
 * call must answer. After each, jcri is alive and its peak resident set (VmHWM) is printed and bounded.
 */
class MemoryAttackIT {

  @TempDir static Path dir;
  static LocalRegistry registry;
  static JcriProcess jcri;
  static CriSocket client;
  static TestPaths paths;
  static String image;
  static String sleeper;
  static final List<String> pods = new CopyOnWriteArrayList<>();
  static final List<String> V4 = List.of("v4.channel.k8s.io");
  /** Far above jcri's ~100 MiB at rest, far below what the attacks would take unbounded. */
  static final long PEAK_RSS_BOUND_KIB = 300 * 1024;

  Watcher watcher;

  @BeforeAll
  static void start() throws Exception {
    registry = LocalRegistry.start(dir.resolve("registry"));
    RegistryPusher pusher = new RegistryPusher(registry);
    pusher.push("mem/busybox", "1", new TestImage().busyboxLayer().cmd("/bin/sleep", "3600").build());
    pusher.push("mem/sparse", "1", new TestImage().rawLayer(TestImage.Compression.GZIP,
        TestImage.sparseTar("zeros", 1L << 30, "end".getBytes(StandardCharsets.UTF_8))).build());
    // One small layer listed 800 times: 800 extractions, were the count not bounded.
    TestImage.Built small = new TestImage().layer(TestImage.Compression.GZIP, t -> t.file("f", "x", 0644)).build();
    pusher.push("mem/many", "base", small);
    TestImage.Layer layer = small.layers().getFirst();
    String entry = "{\"mediaType\":\"" + layer.mediaType() + "\",\"digest\":\"" + layer.digest() + "\",\"size\":"
        + layer.blob().length + "}";
    String many = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
        + "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + small.configDigest()
        + "\",\"size\":" + small.config().length + "},\"layers\":[" + String.join(",", java.util.Collections.nCopies(800,
        entry)) + "]}";
    pusher.manifest("mem/many", "1", many.getBytes(StandardCharsets.UTF_8),
        "application/vnd.oci.image.manifest.v1+json");
    image = registry.host() + "/mem/busybox:1";
    paths = new TestPaths(dir.resolve("jcri"));
    Path config = dir.resolve("jcri.toml");
    Files.writeString(config, paths.toml("[stream]\nidle_timeout_seconds = 3\n[registry]\nmax_layer_bytes = "
        + (64L << 20)));
    jcri = JcriProcess.launch(dir, "--config", config.toString(), "--config-dir", dir.resolve("none").toString());
    jcri.awaitSocket(paths.socket(), Duration.ofSeconds(60));
    client = new CriSocket(paths.socket());
    client.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build());
    Workloads w = new Workloads(() -> client, image, dir, pods);
    PodSandboxConfig.Builder pc = w.podConfig(NamespaceMode.CONTAINER);
    pc.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setNetwork(NamespaceMode.NODE);
    String pod = w.runPod(pc, "");
    sleeper = w.run(pod, pc, w.ctr("sleeper", "/bin/sleep", "3600"));
    System.out.println("jcri at rest: RSS " + jcri.rssKib()[0] / 1024 + " MiB");
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (client != null) {
        for (var p : client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
          client.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
        }
        client.close();
      }
      if (jcri != null) {
        jcri.terminate();
      }
    } finally {
      if (jcri != null) {
        jcri.close();
      }
      if (registry != null) {
        registry.close();
      }
      Sweeper.sweep(dir, pods);
    }
  }

  /** Calls Version every 100 ms on a client of its own; counts calls that failed or took over 2 s. */
  static final class Watcher implements AutoCloseable {
    final CriSocket own = new CriSocket(paths.socket());
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicLong calls = new AtomicLong();
    final AtomicLong slowest = new AtomicLong();
    final List<String> failures = new CopyOnWriteArrayList<>();
    final Thread thread = Thread.ofPlatform().daemon().start(this::run);

    void run() {
      while (running.get()) {
        long t0 = System.nanoTime();
        try {
          own.runtime().withDeadlineAfter(5, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance());
          calls.incrementAndGet();
        } catch (RuntimeException e) {
          failures.add(e.toString());
        }
        slowest.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    @Override
    public void close() {
      running.set(false);
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      own.close();
    }
  }

  @BeforeEach
  void watch() {
    watcher = new Watcher();
  }

  @AfterEach
  void check() throws Exception {
    watcher.close();
    long[] rss = jcri.rssKib();
    System.out.println("after attack: RSS " + rss[0] / 1024 + " MiB, peak " + rss[1] / 1024 + " MiB; Version "
        + watcher.calls.get() + " calls, slowest " + watcher.slowest.get() + " ms, failed " + watcher.failures);
    assertTrue(jcri.process().isAlive(), "jcri survived:\n" + jcri.output());
    assertEquals(List.of(), watcher.failures, "every other RPC answered during the attack");
    assertTrue(watcher.calls.get() > 0);
    assertTrue(rss[1] < PEAK_RSS_BOUND_KIB, "peak RSS " + rss[1] / 1024 + " MiB");
  }

  static String execUrl(boolean tty, boolean stdin, String... cmd) {
    return client.runtime().exec(ExecRequest.newBuilder().setContainerId(sleeper).addAllCmd(List.of(cmd))
        .setTty(tty).setStdin(stdin).setStdout(true).setStderr(!tty).build()).getUrl();
  }

  @Test
  void resizeMessageOf16MiB_closesTheResizeStream() throws Exception {
    try (SpdyTestClient c = SpdyTestClient.connect(execUrl(true, true, "sh", "-c", "read x; stty size"), V4)) {
      int error = c.open("error");
      int in = c.open("stdin");
      int out = c.open("stdout");
      int resize = c.open("resize");
      // One object that never ends: {"k0":1,"k1":1,... for 16 MiB.
      StringBuilder chunk = new StringBuilder("{");
      int k = 0;
      while (chunk.length() < 1 << 20) {
        chunk.append("\"k").append(k++).append("\":1,");
      }
      byte[] first = chunk.toString().getBytes(StandardCharsets.UTF_8);
      byte[] rest = chunk.substring(1).getBytes(StandardCharsets.UTF_8);
      c.send(resize, first);
      for (int i = 1; i < 16; i++) {
        c.send(resize, rest);
      }
      // The session goes on without its resize stream.
      c.send(in, "go\n".getBytes(StandardCharsets.UTF_8));
      String text = c.readString(out);
      assertTrue(text.contains(" "), "stty printed a size: " + text);
      c.readAll(error, Duration.ofSeconds(30));
    }
    assertTrue(jcri.output().contains("resize stream closed"), "jcri said why it closed the stream");
  }

  @Test
  void eightExecSyncsOf40MiBEach_areTruncatedToTheBudget() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<ExecSyncResponse>> calls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        calls.add(pool.submit(() -> client.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(sleeper)
            .addAllCmd(List.of("sh", "-c", "head -c 20000000 /dev/zero; head -c 20000000 /dev/zero >&2"))
            .setTimeout(60).build())));
      }
      long total = 0;
      for (Future<ExecSyncResponse> f : calls) {
        ExecSyncResponse r = f.get(120, TimeUnit.SECONDS);
        assertEquals(0, r.getExitCode());
        assertTrue(r.getStdout().size() <= 8 << 20 && r.getStderr().size() <= 8 << 20, "each stream at most 8 MiB");
        total += r.getStdout().size() + r.getStderr().size();
      }
      System.out.println("8 ExecSync calls of 40 MB each returned " + total / (1 << 20) + " MiB in all");
      assertTrue(total < 8L * 40_000_000, "output was truncated");
    } finally {
      pool.shutdownNow();
    }
    // The budget came back: one more call gets its whole (small) output.
    ExecSyncResponse after = client.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(sleeper)
        .addAllCmd(List.of("sh", "-c", "head -c 1000000 /dev/zero")).setTimeout(30).build());
    assertEquals(1_000_000, after.getStdout().size());
  }

  @Test
  void spdyStreamsAndBufferedBytes_areBoundedPerConnection() throws Exception {
    try (SpdyTestClient c = SpdyTestClient.connect(execUrl(false, true, "sleep", "3600"), V4)) {
      c.open("error");
      List<Integer> junk = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        junk.add(c.openNoWait("junk-" + i));
      }
      assertTrue(c.awaitReply(junk.get(100), Duration.ofSeconds(10)), "streams below the cap are served");
      assertTrue(c.awaitReset(junk.get(199), Duration.ofSeconds(10)), "a stream past the cap is refused");
      // Nobody reads these streams: after about 1 MiB held, jcri stops reading the connection.
      AtomicLong sent = new AtomicLong();
      byte[] mib = new byte[1 << 20];
      Thread sender = Thread.ofPlatform().daemon().start(() -> {
        for (int i = 0; i < 64; i++) {
          c.send(junk.get(i), mib);
          sent.addAndGet(mib.length);
        }
      });
      Thread.sleep(3000);
      assertTrue(sent.get() < 32L << 20, "jcri stopped reading after " + sent.get() / (1 << 20) + " MiB");
      System.out.println("SPDY: 200 streams opened, " + sent.get() / (1 << 20) + " MiB accepted before jcri stopped"
          + " reading");
      c.channel.close();
      sender.join(10_000);
    }
  }

  @Test
  void connections_areCappedAndIdleOnesClosed() throws Exception {
    URI base = URI.create(execUrl(false, false, "true"));
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < 128; i++) {
        held.add(new Socket(base.getHost(), base.getPort()));
      }
      Thread.sleep(500);
      try (Socket extra = new Socket()) {
        extra.connect(new InetSocketAddress(base.getHost(), base.getPort()), 2000);
        extra.setSoTimeout(2000);
        int got;
        try {
          got = extra.getInputStream().read();
        } catch (java.net.SocketTimeoutException e) {
          got = -2;
        }
        assertEquals(-1, got, "the connection past the cap is closed at once: " + jcri.output().lines()
            .filter(l -> l.contains("streaming connection")).toList());
      }
      // No request within the (test's 3 s) idle timeout: closed.
      Socket first = held.getFirst();
      first.setSoTimeout(10_000);
      long t0 = System.nanoTime();
      InputStream in = first.getInputStream();
      assertEquals(-1, in.read());
      System.out.println("an idle connection was closed after " + (System.nanoTime() - t0) / 1_000_000 + " ms more");
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void manifestListingOneLayer800Times_isRefusedBeforeAnyExtraction() {
    assertPullRefused("mem/many:1", "800 layers");
  }

  @Test
  void sparseLayerOf1GiB_isRefusedByTheLayerBound() {
    assertPullRefused("mem/sparse:1", "max_layer_bytes");
  }

  /** The pull is INVALID_ARGUMENT saying {@code why}, and leaves no image. */
  static void assertPullRefused(String image, String why) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.images().pullImage(
        PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(registry.host() + "/" + image))
            .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(e.getStatus().getDescription().contains(why), e.getStatus().getDescription());
    String repo = image.substring(0, image.indexOf(':'));
    assertFalse(client.images().listImages(dev.jcri.cri.v1.ListImagesRequest.getDefaultInstance()).getImagesList()
        .stream().anyMatch(i -> i.getRepoTagsList().toString().contains(repo)));
  }
}
