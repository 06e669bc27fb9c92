package dev.jcri.image.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Libc;
import dev.jcri.common.NotFoundException;
import dev.jcri.common.UnavailableException;
import dev.jcri.image.ImageService;
import dev.jcri.image.registry.Credentials;
import dev.jcri.image.registry.RegistryHosts;
import dev.jcri.image.snapshot.Snapshot;
import dev.jcri.image.store.ImageRecord;
import dev.jcri.image.testing.LocalRegistry;
import dev.jcri.image.testing.RegistryPusher;
import dev.jcri.image.testing.TestImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from a real docker-registry on 127.0.0.1 into a real content store and overlay snapshots. */
class ImageServiceIT {

  @TempDir static Path shared;
  static LocalRegistry registry;
  static RegistryPusher pusher;

  @TempDir Path root;
  ImageService images;
  final List<Path> mounts = new ArrayList<>();

  @BeforeAll
  static void startRegistry() throws Exception {
    registry = LocalRegistry.start(shared.resolve("registry"));
    pusher = new RegistryPusher(registry);
  }

  @AfterAll
  static void stopRegistry() {
    registry.close();
  }

  @BeforeEach
  void open() {
    images = service(root);
  }

  @AfterEach
  void unmount() {
    mounts.forEach(m -> Libc.INSTANCE.umount2(m.toString(), Libc.MNT_DETACH));
  }

  static ImageService service(Path root) {
    // As jcri starts: the service, then its recovery.
    ImageService images = new ImageService(new ImageService.Settings(root, RegistryHosts.direct(), 3, 1L << 32,
        Set.of()));
    images.recover();
    return images;
  }

  String ref(String repo, String tag) {
    return registry.host() + "/" + repo + ":" + tag;
  }

  @Test
  void pull_multiLayerImage_mountsWithWhiteoutAndOpaqueHonoured() throws Exception {
    TestImage.Built image = new TestImage().busyboxLayer()
        .layer(TestImage.Compression.GZIP, t -> {
          t.file("etc/motd", "hello", 0644);
          t.dir("var/cache", 0755);
          t.file("var/cache/old", "old", 0644);
        })
        .layer(TestImage.Compression.GZIP, t -> {
          t.file("etc/.wh.motd", "", 0644);
          t.dir("var/cache", 0755);
          t.file("var/cache/.wh..wh..opq", "", 0644);
          t.file("var/cache/new", "new", 0644);
        })
        .build();
    pusher.push("test/layers", "v1", image);

    ImageRecord r = images.pull(ref("test/layers", "v1"), Credentials.NONE);

    assertEquals(image.configDigest(), r.id());
    assertEquals(List.of(ref("test/layers", "v1")), r.repoTags());
    assertEquals(List.of(registry.host() + "/test/layers@" + image.manifestDigest()), r.repoDigests());
    assertEquals(3, r.chainIds().size());
    assertEquals(List.of("/bin/sh"), r.config().cmd());

    images.snapshots().prepare("c1", r.topChainId());
    Path mnt = Files.createDirectories(root.resolve("mnt"));
    images.snapshots().mount("c1", mnt);
    mounts.add(mnt);
    assertTrue(Files.isExecutable(mnt.resolve("bin/busybox")));
    assertFalse(Files.exists(mnt.resolve("etc/motd")), "the whiteout removed /etc/motd");
    assertFalse(Files.exists(mnt.resolve("var/cache/old")), "the opaque dir hid var/cache/old");
    assertEquals("new", Files.readString(mnt.resolve("var/cache/new")));
  }

  @Test
  void pull_isTracedWithDownloadAndUnpackSpansPerLayer() throws Exception {
    TestImage.Built image = new TestImage().layer(TestImage.Compression.GZIP, t -> t.file("a", "a", 0644))
        .layer(TestImage.Compression.GZIP, t -> t.file("b", "b", 0644)).build();
    pusher.push("test/traced", "v1", image);
    var spans = io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter.create();
    var sdk = io.opentelemetry.sdk.OpenTelemetrySdk.builder().setTracerProvider(
        io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
            .addSpanProcessor(io.opentelemetry.sdk.trace.export.SimpleSpanProcessor.create(spans)).build()).build();
    ImageService traced = new ImageService(new ImageService.Settings(root.resolve("traced"), RegistryHosts.direct(), 3,
        1L << 32, Set.of()), sdk.getTracer("test"), ImageService.PullObserver.NONE);
    traced.pull(ref("test/traced", "v1"), Credentials.NONE);
    var finished = spans.getFinishedSpanItems();
    var pull = finished.stream().filter(s -> s.getName().equals("pull")).findFirst().orElseThrow();
    assertEquals(2, finished.stream().filter(s -> s.getName().equals("download")
        && s.getParentSpanId().equals(pull.getSpanId())).count());
    assertEquals(2, finished.stream().filter(s -> s.getName().equals("unpack")
        && s.getParentSpanId().equals(pull.getSpanId())).count());
  }

  @Test
  void pull_index_picksThisNodesPlatform() throws Exception {
    TestImage.Built amd64 = new TestImage().architecture("amd64")
        .layer(TestImage.Compression.GZIP, t -> t.file("arch", "amd64", 0644)).build();
    TestImage.Built arm64 = new TestImage().architecture("arm64")
        .layer(TestImage.Compression.GZIP, t -> t.file("arch", "arm64", 0644)).build();
    pusher.push("test/multi", "amd64", amd64);
    pusher.push("test/multi", "arm64", arm64);
    Map<TestImage.Built, String> entries = new LinkedHashMap<>();
    entries.put(arm64, "arm64");
    entries.put(amd64, "amd64");
    byte[] index = TestImage.index(entries);
    pusher.manifest("test/multi", "latest", index, "application/vnd.oci.image.index.v1+json");

    ImageRecord r = images.pull(ref("test/multi", "latest"), Credentials.NONE);

    assertEquals(amd64.configDigest(), r.id());
    assertEquals(List.of(registry.host() + "/test/multi@" + TestImage.sha256(index)), r.repoDigests());
  }

  @Test
  void pull_zstdLayers_andByDigest() throws Exception {
    TestImage.Built image = new TestImage().layer(TestImage.Compression.ZSTD, t -> t.file("z", "zstd", 0644)).build();
    pusher.push("test/zstd", "v1", image);
    ImageRecord r = images.pull(registry.host() + "/test/zstd@" + image.manifestDigest(), Credentials.NONE);
    assertEquals(image.configDigest(), r.id());
    assertEquals(List.of(), r.repoTags());
    assertTrue(images.status(registry.host() + "/test/zstd@" + image.manifestDigest()).isPresent());
  }

  @Test
  void pull_concurrentPullsOfOneImage_shareOneResult() throws Exception {
    TestImage.Built image = new TestImage().layer(TestImage.Compression.GZIP,
        t -> t.file("big", new byte[8 * 1024 * 1024], 0644)).build();
    pusher.push("test/shared", "v1", image);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<ImageRecord>> pulls = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        pulls.add(pool.submit((Callable<ImageRecord>) () -> images.pull(ref("test/shared", "v1"), Credentials.NONE)));
      }
      for (Future<ImageRecord> f : pulls) {
        assertEquals(image.configDigest(), f.get().id());
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, images.snapshots().list().size(), "one layer, unpacked once");
  }

  @Test
  void tagMovingToANewImage_untagsTheOld() throws Exception {
    TestImage.Built v1 = new TestImage().layer(TestImage.Compression.GZIP, t -> t.file("v", "1", 0644)).build();
    TestImage.Built v2 = new TestImage().layer(TestImage.Compression.GZIP, t -> t.file("v", "2", 0644)).build();
    pusher.push("test/moving", "latest", v1);
    String oldId = images.pull(ref("test/moving", "latest"), Credentials.NONE).id();
    pusher.push("test/moving", "latest", v2);
    String newId = images.pull(ref("test/moving", "latest"), Credentials.NONE).id();

    assertEquals(v2.configDigest(), images.status(ref("test/moving", "latest")).orElseThrow().id());
    assertEquals(List.of(), images.status(oldId).orElseThrow().repoTags());
    assertTrue(!oldId.equals(newId));
  }

  @Test
  void remove_byTagOfSeveral_untags_byId_removesAndCollects() throws Exception {
    TestImage.Built image = new TestImage().busyboxLayer().build();
    pusher.push("test/rm", "a", image);
    pusher.push("test/rm", "b", image);
    images.pull(ref("test/rm", "a"), Credentials.NONE);
    ImageRecord r = images.pull(ref("test/rm", "b"), Credentials.NONE);
    assertEquals(2, r.repoTags().size());

    images.remove(ref("test/rm", "a"));
    assertEquals(List.of(ref("test/rm", "b")), images.status(r.id()).orElseThrow().repoTags());

    images.remove(r.id());
    assertTrue(images.status(r.id()).isEmpty());
    assertEquals(0, images.snapshots().list().size(), "snapshots collected");
    try (Stream<Path> blobs = Files.walk(root.resolve("content/blobs"))) {
      assertEquals(0, blobs.filter(Files::isRegularFile).count(), "blobs collected");
    }
    images.remove(r.id());
    images.remove(ref("test/rm", "never"));
  }

  @Test
  void pull_hundredLayerImage_mounts() throws Exception {
    TestImage builder = new TestImage();
    for (int i = 0; i < 100; i++) {
      int n = i;
      builder.layer(TestImage.Compression.GZIP, t -> t.file("layer-" + n, Integer.toString(n), 0644));
    }
    TestImage.Built image = builder.build();
    pusher.push("test/deep", "v1", image);
    ImageRecord r = images.pull(ref("test/deep", "v1"), Credentials.NONE);
    assertEquals(100, r.chainIds().size());
    images.snapshots().prepare("deep", r.topChainId());
    Path mnt = Files.createDirectories(root.resolve("deep-mnt"));
    images.snapshots().mount("deep", mnt);
    mounts.add(mnt);
    assertEquals("0", Files.readString(mnt.resolve("layer-0")));
    assertEquals("99", Files.readString(mnt.resolve("layer-99")));
  }

  @Test
  void removedImage_underARunningContainersSnapshot_keepsItsLayers() throws Exception {
    TestImage.Built image = new TestImage().busyboxLayer()
        .layer(TestImage.Compression.GZIP, t -> t.file("top", "t", 0644)).build();
    pusher.push("test/inuse", "v1", image);
    ImageRecord r = images.pull(ref("test/inuse", "v1"), Credentials.NONE);
    images.snapshots().prepare("container-rootfs", r.topChainId());

    images.remove(r.id());

    assertTrue(images.snapshots().committed(r.topChainId()).isPresent(), "the container's layers stay");
    images.snapshots().remove("container-rootfs");
    images.collect();
    assertEquals(0, images.snapshots().list().size(), "collected once the container is gone");
  }

  @Test
  void hostileLayer_failsThePullNamingTheEntry_andLeavesNothing() throws Exception {
    TestImage.Built image = new TestImage().layer(TestImage.Compression.GZIP,
        t -> t.rawFile("../../../etc/jcri-escape", "x")).build();
    pusher.push("test/hostile", "v1", image);
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
        () -> images.pull(ref("test/hostile", "v1"), Credentials.NONE));
    assertTrue(e.getMessage().contains("../../../etc/jcri-escape"), e.getMessage());
    assertFalse(Files.exists(Path.of("/etc/jcri-escape")));
    assertTrue(images.list().isEmpty());
    assertEquals(0, images.snapshots().list().size(), "the half-unpacked layer is removed");
  }

  @Test
  void mirror_isTriedBeforeTheRegistryItself() throws Exception {
    TestImage.Built image = new TestImage().layer(TestImage.Compression.GZIP, t -> t.file("m", "m", 0644)).build();
    pusher.push("library/mirrored", "v1", image);
    ImageService viaMirror = new ImageService(new ImageService.Settings(root.resolve("mirror"),
        new RegistryHosts(Map.of("docker.io", List.of(registry.url())), Set.of()), 3, 1L << 32, Set.of()));
    ImageRecord r = viaMirror.pull("mirrored:v1", Credentials.NONE);
    assertEquals(image.configDigest(), r.id());
    assertEquals(List.of("docker.io/library/mirrored:v1"), r.repoTags());
  }

  @Test
  void foreignLayer_isFetchedFromItsUrl() throws Exception {
    TestImage.Built base = new TestImage().layer(TestImage.Compression.GZIP, t -> t.file("f", "foreign", 0644)).build();
    TestImage.Layer layer = base.layers().getFirst();
    com.sun.net.httpserver.HttpServer http = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 4);
    int[] served = {0};
    http.createContext("/layer", ex -> {
      served[0]++;
      ex.sendResponseHeaders(200, layer.blob().length);
      try (var out = ex.getResponseBody()) {
        out.write(layer.blob());
      }
    });
    http.start();
    try {
      String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/layer";
      pusher.blob("test/foreign", base.config());
      String manifest = new String(base.manifest())
          .replace("\"mediaType\":\"" + layer.mediaType() + "\"",
              "\"mediaType\":\"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip\",\"urls\":[\"" + url + "\"]");
      pusher.manifest("test/foreign", "v1", manifest.getBytes(), base.manifestMediaType());
      ImageRecord r = images.pull(ref("test/foreign", "v1"), Credentials.NONE);
      assertEquals(base.configDigest(), r.id());
      assertEquals(1, served[0], "the layer came from its URL; the registry never had it");
    } finally {
      http.stop(0);
    }
  }

  @Test
  void missingImage_isNotFound_badReference_isInvalid() {
    NotFoundException nf = assertThrows(NotFoundException.class,
        () -> images.pull(ref("test/none", "v1"), Credentials.NONE));
    assertTrue(nf.getMessage().contains("test/none"), nf.getMessage());
    assertThrows(InvalidArgumentException.class, () -> images.pull("Bad//Ref", Credentials.NONE));
  }

  @Test
  void manifestLyingAboutALayerSize_failsAndKeepsNothing() throws Exception {
    TestImage.Built image = new TestImage().layer(TestImage.Compression.GZIP, t -> t.file("x", "x", 0644)).build();
    for (TestImage.Layer l : image.layers()) {
      pusher.blob("test/liar", l.blob());
    }
    pusher.blob("test/liar", image.config());
    String manifest = new String(image.manifest()).replace("\"size\":" + image.layers().getFirst().blob().length,
        "\"size\":" + (image.layers().getFirst().blob().length - 1));
    pusher.manifest("test/liar", "v1", manifest.getBytes(), image.manifestMediaType());

    RuntimeException e = assertThrows(RuntimeException.class, () -> images.pull(ref("test/liar", "v1"),
        Credentials.NONE));
    assertTrue(e.getMessage().contains("descriptor"), e.getMessage());
    assertTrue(images.list().isEmpty());
    assertEquals(0, images.snapshots().list().size());
    try (Stream<Path> ingest = Files.list(root.resolve("content/ingest"))) {
      assertEquals(0, ingest.count());
    }
  }

  @Test
  void registryStoppedHalfWay_thenRestart_leavesNoPartialImage() throws Exception {
    Path regDir = root.resolve("short-lived-registry");
    try (LocalRegistry shortLived = LocalRegistry.start(regDir)) {
      TestImage.Built image = new TestImage().layer(TestImage.Compression.NONE,
          t -> t.file("big", new byte[64 * 1024 * 1024], 0644)).build();
      new RegistryPusher(shortLived).push("test/cut", "v1", image);
      try (ThrottlingProxy proxy = ThrottlingProxy.start(shortLived.port(), 4 * 1024 * 1024)) {
        Thread puller = Thread.ofPlatform().start(() -> {
          try {
            images.pull("127.0.0.1:" + proxy.port() + "/test/cut:v1", Credentials.NONE);
          } catch (UnavailableException | IllegalStateException expected) {
            // the registry goes away
          }
        });
        Path ingest = root.resolve("content/ingest");
        long deadline = System.nanoTime() + 30_000_000_000L;
        // The big layer's download, not the config's: that one is small and leaves the ingest directory at once.
        while (System.nanoTime() < deadline && (!Files.isDirectory(ingest) || !holdsAMebibyte(ingest))) {
          Thread.sleep(20);
        }
        assertTrue(holdsAMebibyte(ingest), "the layer download started");
        shortLived.stop();
        proxy.cut();
        puller.join(120_000);
        assertFalse(puller.isAlive());
      }
    }
    ImageService restarted = service(root);
    assertTrue(restarted.list().isEmpty(), "no partial image listed");
    assertTrue(isEmpty(root.resolve("content/ingest")), "temp files gone");
    assertTrue(restarted.snapshots().list().stream().noneMatch(s -> s.kind() == Snapshot.Kind.ACTIVE));
  }

  @Test
  void layer_unpacksWhileItsBlobIsStillDownloading() throws Exception {
    byte[] big = new byte[12 * 1024 * 1024];
    new java.util.Random(7).nextBytes(big);
    TestImage.Built image = new TestImage().layer(TestImage.Compression.NONE, t -> {
      t.file("early-entry", "first in the tar\n", 0644);
      t.file("big", big, 0644);
    }).build();
    pusher.push("test/streamed", "v1", image);
    Path ingest = root.resolve("content/ingest");
    boolean[] seenEarly = {false};
    ImageRecord r;
    try (ThrottlingProxy proxy = ThrottlingProxy.start(registry.port(), 4 * 1024 * 1024)) {
      java.util.concurrent.CompletableFuture<ImageRecord> pull = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> images.pull("127.0.0.1:" + proxy.port() + "/test/streamed:v1", Credentials.NONE));
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (!pull.isDone() && System.nanoTime() < deadline) {
        boolean downloading = Files.isDirectory(ingest) && !isEmpty(ingest);
        if (downloading) {
          try (Stream<Path> files = Files.walk(root.resolve("snapshots"))) {
            if (files.anyMatch(p -> p.getFileName().toString().equals("early-entry"))) {
              seenEarly[0] = !isEmpty(ingest);
              if (seenEarly[0]) {
                break;
              }
            }
          } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException racing) {
            // a directory came or went while walked
          }
        }
        Thread.sleep(10);
      }
      r = pull.get(60, java.util.concurrent.TimeUnit.SECONDS);
    }
    assertTrue(seenEarly[0], "the first entry was unpacked while the blob was still being written");
    Path rootfs = root.resolve("rootfs");
    Files.createDirectories(rootfs);
    images.snapshots().prepare("streamed", r.topChainId());
    images.snapshots().mount("streamed", rootfs);
    mounts.add(rootfs);
    assertArrayEquals(big, Files.readAllBytes(rootfs.resolve("big")), "and the layer is whole");
  }

  /** Whether a download in {@code dir} has written at least 1 MiB. */
  private static boolean holdsAMebibyte(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.anyMatch(f -> {
        try {
          return Files.size(f) >= 1 << 20;
        } catch (IOException gone) {
          return false;
        }
      });
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }
}
