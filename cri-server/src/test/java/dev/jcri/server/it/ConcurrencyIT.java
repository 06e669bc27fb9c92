package dev.jcri.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemoveContainerRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.image.testing.LocalRegistry;
import dev.jcri.image.testing.RegistryPusher;
import dev.jcri.image.testing.TestImage;
import dev.jcri.server.JcriDaemon;
import dev.jcri.server.config.ConfigLoader;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.api.OpenTelemetry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many RPCs at once: no deadlock, no inconsistent state, and reads never wait behind slow work. */
class ConcurrencyIT {

  @TempDir static Path dir;
  static JcriFixture fixture;
  static CriSocket client;
  static Workloads w;
  static String image;

  @BeforeAll
  static void start() throws Exception {
    fixture = JcriFixture.start(dir);
    client = fixture.client;
    image = fixture.image;
    w = fixture.workloads;
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }


  @Test
  void hundredsOfMixedCallsOverTwentyPods_finishConsistent() throws Exception {
    List<String> podIds = new ArrayList<>();
    Map<String, PodSandboxConfig.Builder> configs = new ConcurrentHashMap<>();
    for (int i = 0; i < 20; i++) {
      var pc = w.podConfig(NamespaceMode.CONTAINER);
      String id = w.runPod(pc, "");
      podIds.add(id);
      configs.put(id, pc);
    }
    List<String> containers = new CopyOnWriteArrayList<>();
    AtomicInteger expectedRefusals = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(24);
    List<Future<?>> calls = new ArrayList<>();
    Random r = new Random(42);
    for (int i = 0; i < 300; i++) {
      int op = r.nextInt(7);
      String pod = podIds.get(r.nextInt(podIds.size()));
      long seed = r.nextLong();
      calls.add(pool.submit(() -> {
        Random local = new Random(seed);
        String some = containers.isEmpty() ? null : containers.get(local.nextInt(containers.size()));
        try {
          switch (op) {
            case 0, 1 -> containers.add(w.run(pod, configs.get(pod), w.ctr("c" + w.next(), "/bin/sleep", "3600")));
            case 2 -> {
              if (some != null) {
                client.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(some).setTimeout(0)
                    .build());
              }
            }
            case 3 -> {
              if (some != null) {
                client.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(some).build());
                containers.remove(some);
              }
            }
            case 4 -> client.runtime().listContainers(ListContainersRequest.getDefaultInstance());
            case 5 -> client.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod)
                .build());
            default -> {
              if (some != null) {
                w.exec(some, "true");
              }
            }
          }
        } catch (StatusRuntimeException e) {
          // Racing a stop or remove of the same container is allowed to fail, but only in these ways.
          String code = e.getStatus().getCode().name();
          assertTrue(code.equals("NOT_FOUND") || code.equals("FAILED_PRECONDITION"), e.getStatus().toString());
          expectedRefusals.incrementAndGet();
        }
        return null;
      }));
    }
    for (Future<?> f : calls) {
      f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    Thread.sleep(300);
    for (var c : client.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
      if (c.getState() == ContainerState.CONTAINER_RUNNING) {
        assertEquals(0, w.exec(c.getId(), "true").getExitCode(), "listed running, really running: " + c.getId());
      }
    }
    assertEquals(20, client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount());
    System.out.println("300 mixed calls, " + expectedRefusals.get() + " refused as racing a stop or remove");
  }

  @Test
  void sameNameAtOnce_oneWinsTheOtherHearsAlreadyExists() throws Exception {
    var pc = w.podConfig(NamespaceMode.CONTAINER);
    List<String> outcomes = race(() -> w.runPod(pc, ""));
    assertEquals(List.of("ALREADY_EXISTS", "ok"), outcomes.stream().sorted().toList());
    String pod = fixture.pods.get(fixture.pods.size() - 1);
    var cc = w.ctr("twin", "/bin/sleep", "3600");
    List<String> created = race(() -> w.create(pod, pc, cc));
    assertEquals(List.of("ALREADY_EXISTS", "ok"), created.stream().sorted().toList());
  }

  /** Runs {@code call} twice at once; returns "ok" or the status code of each. */
  static List<String> race(java.util.concurrent.Callable<String> call) throws Exception {
    ExecutorService two = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<String>> fs = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        fs.add(two.submit(() -> {
          go.await();
          try {
            call.call();
            return "ok";
          } catch (StatusRuntimeException e) {
            return e.getStatus().getCode().name();
          }
        }));
      }
      go.countDown();
      List<String> out = new ArrayList<>();
      for (Future<String> f : fs) {
        out.add(f.get(60, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      two.shutdownNow();
    }
  }

  @Test
  void listsAndStatusesDoNotWaitBehindAStalledPull() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    HttpServer stalled = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    stalled.createContext("/", exchange -> {
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.sendResponseHeaders(404, -1);
      exchange.close();
    });
    stalled.setExecutor(Executors.newCachedThreadPool());
    stalled.start();
    try {
      Thread pull = Thread.ofPlatform().start(() -> {
        try {
          client.images().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder()
              .setImage("127.0.0.1:" + stalled.getAddress().getPort() + "/slow/image:1")).build());
        } catch (StatusRuntimeException expected) {
          // released with a 404 at the end
        }
      });
      Thread.sleep(300);
      assertTrue(pull.isAlive(), "the pull is stalled");
      for (int i = 0; i < 20; i++) {
        long t0 = System.nanoTime();
        client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
        client.runtime().listContainers(ListContainersRequest.getDefaultInstance());
        client.images().listImages(ListImagesRequest.getDefaultInstance());
        client.images().imageStatus(dev.jcri.cri.v1.ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder()
            .setImage(image)).build());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 1000, "four reads took " + ms + " ms while a pull stalls");
      }
      release.countDown();
      pull.join(30_000);
    } finally {
      release.countDown();
      stalled.stop(0);
    }
  }
}
