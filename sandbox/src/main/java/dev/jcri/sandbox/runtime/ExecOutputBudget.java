package dev.jcri.sandbox.runtime;

import java.util.concurrent.Semaphore;

/**
 * The bytes of ExecSync output jcri holds at once, across every call: exec probes are written by pod authors,
 * and eight calls of 2 x 16 MiB each ran a 256 MiB heap out. A call takes what it reads in chunks while the
 * budget lasts and drops the rest (its output is truncated, and says so in the log); it gives its share back
 * once its response is on the wire.
 */
public final class ExecOutputBudget {

  /** What all ExecSync calls together may hold in memory. */
  public static final int DEFAULT_BYTES = 32 * 1024 * 1024;

  private final Semaphore bytes;

  public ExecOutputBudget(int total) {
    this.bytes = new Semaphore(total);
  }

  /** Takes {@code n} bytes if they are left; false when the budget cannot give them now. */
  boolean take(int n) {
    return bytes.tryAcquire(n);
  }

  void release(int n) {
    if (n > 0) {
      bytes.release(n);
    }
  }

  /** What is left, for tests and metrics. */
  public int available() {
    return bytes.availablePermits();
  }
}
