package dev.jcri.image;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Threads for downloads and unpacking. They are platform threads: this work is file I/O call after call,
 * and a virtual thread pays for every blocking file call by compensating its carrier, which made unpacking
 * a layer of many small files several times slower.
 */
final class Workers {

  static final ExecutorService EXECUTOR = Executors.newCachedThreadPool(
      Thread.ofPlatform().name("image-worker-", 0).daemon().factory());

  private Workers() {}
}
