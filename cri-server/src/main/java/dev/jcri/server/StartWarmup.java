package dev.jcri.server;

/**
 * Work of the start-up that does not depend on the configuration, begun on two threads while the main one reads
 * the configuration: Netty's epoll transport, the CRI's gRPC methods and the C library's binding (JNA) on one;
 * on the other the JSON mapper jcri's records and OCI specs go through, and its readers of the records a start
 * reads back (snapshots, images, pods, containers: building a reader is ~30-60 ms of introspection on a cold
 * JVM, each). Once jcri serves, a third thread makes what the first pod needs ({@link #afterStart}). Whatever
 * a thread has not finished, the main thread does itself when it gets there (class initialisation is once and
 * thread-safe, and the mapper caches what either built), so the start is never slower than without it.
 */
final class StartWarmup {

  private static final Class<?>[] RECORDS = {dev.jcri.image.snapshot.Snapshot.class,
      dev.jcri.image.store.ImageRecord.class, dev.jcri.sandbox.pod.PodSandbox.class,
      dev.jcri.sandbox.container.ContainerRecord.class};

  private StartWarmup() {}

  static void begin() {
    start("start-warmup-native", () -> {
      // In the order the main thread needs them: the socket (Netty's epoll transport, the CRI's method
      // descriptors and their messages' classes), then the subreaper and everything after (JNA).
      io.netty.channel.epoll.Epoll.isAvailable();
      dev.jcri.cri.v1.RuntimeServiceGrpc.getServiceDescriptor();
      dev.jcri.cri.v1.ImageServiceGrpc.getServiceDescriptor();
      dev.jcri.common.Libc.INSTANCE.getClass();
    });
    start("start-warmup-json", () -> {
      dev.jcri.common.Json.PLAIN.getTypeFactory();
      for (Class<?> record : RECORDS) {
        dev.jcri.common.Json.RECORDS.readerFor(record);
      }
    });
  }

  /**
   * Once jcri serves: what the first pod and container need and the start does not, made before kubelet's
   * first RunPodSandbox comes (~30-40 ms on a cold JVM, which that call and the first CreateContainer paid):
   * the spawn's direct C binding, the writers of the records and of the OCI spec.
   */
  static void afterStart() {
    start("start-warmup-first-pod", () -> {
      dev.jcri.common.Spawn.warmUp();
      for (Class<?> record : RECORDS) {
        dev.jcri.common.Json.RECORDS.writerFor(record);
      }
      dev.jcri.common.Json.PLAIN.writerFor(dev.jcri.sandbox.oci.OciSpec.class);
    });
  }

  private static void start(String name, Runnable work) {
    Thread.ofPlatform().name(name).daemon().start(() -> {
      try {
        work.run();
      } catch (Throwable t) {
        // only a head start: the main thread meets the same error where it matters
      }
    });
  }
}
