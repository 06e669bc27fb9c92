package dev.jcri.image;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The executor for the image service's background work: one virtual thread per task. */
final class VirtualThreads {

  static final ExecutorService EXECUTOR =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("image-", 0).factory());

  private VirtualThreads() {}
}
