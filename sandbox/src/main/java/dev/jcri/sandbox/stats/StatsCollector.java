package dev.jcri.sandbox.stats;

import dev.jcri.common.Log;
import dev.jcri.sandbox.cgroup.CgroupStats;
import dev.jcri.sandbox.container.ContainerManager;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.pod.PodSandbox;
import dev.jcri.sandbox.pod.PodSandboxManager;
import dev.jcri.sandbox.pod.PodStats;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The figures of running containers and ready pods, sampled in the background every period (as CRI-O's
 * {@code stats_collection_period}), so that kubelet's ListContainerStats and ListPodSandboxStats answer from
 * memory instead of reading every cgroup and walking every writable layer while it waits. Each figure carries
 * the time it was sampled. A container or pod without a sample yet, or with one older than two periods, is
 * measured on the spot. A period of zero samples nothing in the background: every call measures.
 */
public final class StatsCollector implements AutoCloseable {

  private static final Log LOG = Log.of(StatsCollector.class);
  private static final Duration TICK = Duration.ofSeconds(1);

  /** A container's cgroup figures and its writable layer's bytes and inodes. */
  public record ContainerFigures(CgroupStats cgroup, long[] layer, long atNanos) {}

  private record PodFigures(PodStats stats, long atNanos) {}

  private final ContainerManager containers;
  private final PodSandboxManager pods;
  private final Duration period;
  private final Map<String, ContainerFigures> byContainer = new ConcurrentHashMap<>();
  private final Map<String, PodFigures> byPod = new ConcurrentHashMap<>();
  private ScheduledExecutorService sampler;

  public StatsCollector(ContainerManager containers, PodSandboxManager pods, Duration period) {
    this.containers = containers;
    this.pods = pods;
    this.period = period;
  }

  public void start() {
    if (period.isZero()) {
      return;
    }
    sampler = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("stats-sampler").daemon().stackSize(512 * 1024).factory());
    // Every second, what has no sample yet or one a period old: a new container is sampled within a second of
    // its start, and each one once a period, spread over the period as they started.
    sampler.scheduleWithFixedDelay(this::sampleQuietly, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void sampleQuietly() {
    try {
      sample();
    } catch (RuntimeException e) {
      LOG.warn("sampling container and pod figures failed", "error", e.toString());
    }
  }

  /** One pass: every running container and ready pod without a sample a period young; what is gone is forgotten. */
  void sample() {
    Set<String> seen = new HashSet<>();
    long due = System.nanoTime() - period.toNanos();
    for (ContainerRecord r : containers.list()) {
      if (r.state() == ContainerRecord.State.RUNNING) {
        seen.add(r.id());
        ContainerFigures last = byContainer.get(r.id());
        if (last != null && last.atNanos() - due > 0) {
          continue;
        }
        try {
          byContainer.put(r.id(), measure(r));
        } catch (RuntimeException gone) {
          // removed or stopped meanwhile (or its cgroup unreadable): a call measures it, or says why
          byContainer.remove(r.id());
        }
      }
    }
    byContainer.keySet().retainAll(seen);
    seen.clear();
    for (PodSandbox p : pods.list()) {
      if (p.state() == PodSandbox.State.READY) {
        seen.add(p.id());
        PodFigures last = byPod.get(p.id());
        if (last != null && last.atNanos() - due > 0) {
          continue;
        }
        try {
          byPod.put(p.id(), new PodFigures(pods.stats(p.id()), System.nanoTime()));
        } catch (RuntimeException gone) {
          byPod.remove(p.id());
        }
      }
    }
    byPod.keySet().retainAll(seen);
  }

  /** The container's latest figures: sampled ones while fresh, else measured now. */
  public ContainerFigures container(ContainerRecord r) {
    ContainerFigures f = byContainer.get(r.id());
    if (f != null && fresh(f.atNanos())) {
      return f;
    }
    f = measure(r);
    if (!period.isZero()) {
      byContainer.put(r.id(), f);
    }
    return f;
  }

  /** The pod's latest figures: sampled ones while fresh, else measured now. */
  public PodStats pod(PodSandbox p) {
    PodFigures f = byPod.get(p.id());
    if (f != null && fresh(f.atNanos())) {
      return f.stats();
    }
    PodStats s = pods.stats(p.id());
    if (!period.isZero()) {
      byPod.put(p.id(), new PodFigures(s, System.nanoTime()));
    }
    return s;
  }

  private boolean fresh(long atNanos) {
    return !period.isZero() && System.nanoTime() - atNanos < 2 * period.toNanos();
  }

  private ContainerFigures measure(ContainerRecord r) {
    return new ContainerFigures(containers.stats(r.id()), containers.writableLayerUsage(r.id()), System.nanoTime());
  }

  @Override
  public void close() {
    if (sampler != null) {
      sampler.shutdownNow();
    }
  }
}
