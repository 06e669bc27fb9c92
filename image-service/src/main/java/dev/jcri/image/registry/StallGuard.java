package dev.jcri.image.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Bounds how long a download may go without a byte: the JDK's HTTP client has no read timeout, so a
 * registry that stalls mid-body would hold a pull forever. A reader blocked past the limit is interrupted
 * and gets an IOException saying so.
 */
final class StallGuard extends FilterInputStream {

  private static final Set<StallGuard> OPEN = ConcurrentHashMap.newKeySet();
  private static final ScheduledExecutorService WATCH = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "download-stall-watch");
    t.setDaemon(true);
    return t;
  });

  static {
    WATCH.scheduleWithFixedDelay(StallGuard::check, 1, 1, TimeUnit.SECONDS);
  }

  private final long limitNanos;
  private final String what;
  private volatile long lastProgress = System.nanoTime();
  private volatile Thread reader;
  private volatile boolean stalled;

  StallGuard(InputStream in, Duration limit, String what) {
    super(in);
    this.limitNanos = limit.toNanos();
    this.what = what;
    OPEN.add(this);
  }

  private static void check() {
    long now = System.nanoTime();
    for (StallGuard g : OPEN) {
      Thread t = g.reader;
      if (t != null && now - g.lastProgress > g.limitNanos) {
        g.stalled = true;
        t.interrupt();
      }
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    reader = Thread.currentThread();
    try {
      int n = super.read(b, off, len);
      lastProgress = System.nanoTime();
      return n;
    } catch (InterruptedIOException e) {
      throw stalledOr(e);
    } catch (IOException e) {
      throw stalled ? stalledOr(e) : e;
    } finally {
      reader = null;
      if (stalled) {
        Thread.interrupted();
      }
    }
  }

  private IOException stalledOr(IOException e) {
    if (stalled) {
      return new IOException("no data from the registry for " + TimeUnit.NANOSECONDS.toSeconds(limitNanos)
          + " s while reading " + what + "; gave up", e);
    }
    return e;
  }

  @Override
  public void close() throws IOException {
    OPEN.remove(this);
    super.close();
  }
}
