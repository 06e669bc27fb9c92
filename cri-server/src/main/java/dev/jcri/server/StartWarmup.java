package dev.jcri.server;

/**
 * Work of the start-up that does not depend on the configuration, begun on a second thread while the main one
 * reads the configuration: the JSON mapper jcri's records and OCI specs go through, the C library's binding
 * (JNA's native part) and Netty's epoll transport, each ~20-40 ms of class loading and set-up on a cold JVM.
 * Whatever the thread has not finished, the main thread does itself when it gets there (class initialisation
 * is once and thread-safe), so the start is never slower than without it.
 */
final class StartWarmup {

  private StartWarmup() {}

  static void begin() {
    Thread.ofPlatform().name("start-warmup").daemon().start(() -> {
      try {
        // In the order the main thread needs them: the state lock (JNA), the records, the socket.
        dev.jcri.common.Libc.INSTANCE.getClass();
        dev.jcri.common.Json.PLAIN.getTypeFactory();
        dev.jcri.common.Json.RECORDS.getTypeFactory();
        io.netty.channel.epoll.Epoll.isAvailable();
      } catch (Throwable t) {
        // only a head start: the main thread meets the same error where it matters
      }
    });
  }
}
