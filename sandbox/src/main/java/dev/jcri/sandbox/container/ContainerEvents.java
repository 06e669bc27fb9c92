package dev.jcri.sandbox.container;

import dev.jcri.common.Log;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Container lifecycle events for every subscriber (kubelet's evented PLEG). Each subscriber has a bounded
 * queue; one that does not keep up is dropped with a log line, so a slow subscriber never holds up the
 * runtime.
 */
public final class ContainerEvents {

  private static final Log LOG = Log.of(ContainerEvents.class);
  public static final int QUEUE = 1024;

  private final Set<Subscription> subscribers = ConcurrentHashMap.newKeySet();

  public enum Type { CREATED, STARTED, STOPPED, DELETED }

  /** One event: what happened to which container of which pod, when (ns since the epoch). */
  public record Event(Type type, String containerId, String podId, long at) {}

  /** A subscription; {@link #next} waits for the next event, or returns null once dropped or closed. */
  public final class Subscription implements AutoCloseable {
    private final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(QUEUE);
    private volatile boolean open = true;

    public Event next(long timeoutMillis) throws InterruptedException {
      return open ? queue.poll(timeoutMillis, TimeUnit.MILLISECONDS) : null;
    }

    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      open = false;
      subscribers.remove(this);
    }
  }

  public Subscription subscribe() {
    Subscription s = new Subscription();
    subscribers.add(s);
    return s;
  }

  void publish(Type type, String containerId, String podId, long at) {
    Event e = new Event(type, containerId, podId, at);
    for (Subscription s : subscribers) {
      if (!s.queue.offer(e)) {
        LOG.warn("dropping a container-event subscriber that does not keep up", "queued", QUEUE);
        s.close();
      }
    }
  }
}
