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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The figures of running containers and ready pods, sampled in the background every period (as CRI-O's
 * {@code stats_collection_period}), so that kubelet's ListContainerStats and ListPodSandboxStats answer from
 * memory instead of reading every cgroup and walking every writable layer while it waits. Each figure carries
 * the time it was sampled. A container or pod without a sample yet, or with one older than two periods, is
 * measured on the spot. A period of zero samples nothing in the background: every call measures.
 *
 * <p>Callers work out rates from two answers (CPU usage over the time between their stamps): kubelet every 10 s,
 * {@code crictl stats} and {@code crictl statsp} one second apart, which fail on two answers with the same
 * stamp. So each figure is sampled again a little before a period is over (kubelet's next call finds a newer
 * one), and a figure already handed out at least a second ago is measured afresh for whoever asks again.
 */
public final class StatsCollector implements AutoCloseable {

  private static final Log LOG = Log.of(StatsCollector.class);
  private static final Duration TICK = Duration.ofSeconds(1);
  /** A figure handed out this long ago or more is not handed out again: it is measured afresh. */
  static final Duration ASKED_AGAIN = Duration.ofSeconds(1);

  /** A container's cgroup figures and its writable layer's bytes and inodes. */
  public record ContainerFigures(CgroupStats cgroup, long[] layer, long atNanos) {}

  private record PodFigures(PodStats stats, long atNanos) {}

  /** What is sampled: the running containers, the ready pods and their figures (tests give their own). */
  interface Source {
    List<String> runningContainers();

    CgroupStats containerCgroup(String id);

    long[] writableLayer(String id);

    List<String> readyPods();

    PodStats pod(String id);
  }

  private final Source source;
  private final Duration period;
  private final LongSupplier nanoClock;
  private final Map<String, ContainerFigures> byContainer = new ConcurrentHashMap<>();
  private final Map<String, PodFigures> byPod = new ConcurrentHashMap<>();
  /** By container id, and by pod id: the stamp of the figure last handed out, and when it first was. */
  private final Map<String, long[]> containersHandedOut = new ConcurrentHashMap<>();
  private final Map<String, long[]> podsHandedOut = new ConcurrentHashMap<>();
  private ScheduledExecutorService sampler;

  public StatsCollector(ContainerManager containers, PodSandboxManager pods, Duration period) {
    this(new Source() {
      @Override
      public List<String> runningContainers() {
        return containers.list().stream().filter(r -> r.state() == ContainerRecord.State.RUNNING)
            .map(ContainerRecord::id).toList();
      }

      @Override
      public CgroupStats containerCgroup(String id) {
        return containers.stats(id);
      }

      @Override
      public long[] writableLayer(String id) {
        return containers.writableLayerUsage(id);
      }

      @Override
      public List<String> readyPods() {
        return pods.list().stream().filter(p -> p.state() == PodSandbox.State.READY).map(PodSandbox::id).toList();
      }

      @Override
      public PodStats pod(String id) {
        return pods.stats(id);
      }
    }, period, System::nanoTime);
  }

  StatsCollector(Source source, Duration period, LongSupplier nanoClock) {
    this.source = source;
    this.period = period;
    this.nanoClock = nanoClock;
  }

  public void start() {
    if (period.isZero()) {
      return;
    }
    sampler = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("stats-sampler").daemon().stackSize(512 * 1024).factory());
    // Every second, what has no sample yet or one nearly a period old: a new container is sampled within a
    // second of its start, and each one once a period, spread over the period as they started.
    sampler.scheduleWithFixedDelay(this::sampleQuietly, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void sampleQuietly() {
    try {
      sample();
    } catch (RuntimeException e) {
      LOG.warn("sampling container and pod figures failed", "error", e.toString());
    }
  }

  /**
   * One pass: every running container and ready pod whose sample is missing or will be a period old before the
   * next pass (so a caller asking once a period always finds a newer one); what is gone is forgotten.
   */
  void sample() {
    Set<String> seen = new HashSet<>();
    long age = period.compareTo(TICK) > 0 ? period.minus(TICK).toNanos() : period.toNanos();
    long due = nanoClock.getAsLong() - age;
    for (String id : source.runningContainers()) {
      seen.add(id);
      ContainerFigures last = byContainer.get(id);
      if (last != null && last.atNanos() - due > 0) {
        continue;
      }
      try {
        byContainer.put(id, measureContainer(id));
      } catch (RuntimeException gone) {
        // removed or stopped meanwhile (or its cgroup unreadable): a call measures it, or says why
        byContainer.remove(id);
      }
    }
    byContainer.keySet().retainAll(seen);
    Set<String> pods = new HashSet<>();
    for (String id : source.readyPods()) {
      pods.add(id);
      PodFigures last = byPod.get(id);
      if (last != null && last.atNanos() - due > 0) {
        continue;
      }
      try {
        byPod.put(id, measurePod(id));
      } catch (RuntimeException gone) {
        byPod.remove(id);
      }
    }
    byPod.keySet().retainAll(pods);
    containersHandedOut.keySet().retainAll(seen);
    podsHandedOut.keySet().retainAll(pods);
  }

  /** The container's latest figures: sampled ones while fresh, else measured now. */
  public ContainerFigures container(ContainerRecord r) {
    return container(r.id());
  }

  ContainerFigures container(String id) {
    ContainerFigures f = byContainer.get(id);
    if (f != null && fresh(f.atNanos()) && !askedAgain(containersHandedOut, id, f.atNanos())) {
      return f;
    }
    f = measureContainer(id);
    if (!period.isZero()) {
      byContainer.put(id, f);
      askedAgain(containersHandedOut, id, f.atNanos());
    }
    return f;
  }

  /** The pod's latest figures: sampled ones while fresh, else measured now. */
  public PodStats pod(PodSandbox p) {
    return pod(p.id());
  }

  PodStats pod(String id) {
    PodFigures f = byPod.get(id);
    if (f != null && fresh(f.atNanos()) && !askedAgain(podsHandedOut, id, f.atNanos())) {
      return f.stats();
    }
    f = measurePod(id);
    if (!period.isZero()) {
      byPod.put(id, f);
      askedAgain(podsHandedOut, id, f.atNanos());
    }
    return f.stats();
  }

  /**
   * Notes that the figure stamped {@code atNanos} is handed out now; true if it already was, at least
   * {@link #ASKED_AGAIN} ago (the caller then gets one measured now).
   */
  private boolean askedAgain(Map<String, long[]> handedOut, String id, long atNanos) {
    long now = nanoClock.getAsLong();
    long[] last = handedOut.get(id);
    if (last != null && last[0] == atNanos) {
      return now - last[1] >= ASKED_AGAIN.toNanos();
    }
    handedOut.put(id, new long[] {atNanos, now});
    return false;
  }

  private boolean fresh(long atNanos) {
    return !period.isZero() && nanoClock.getAsLong() - atNanos < 2 * period.toNanos();
  }

  private ContainerFigures measureContainer(String id) {
    return new ContainerFigures(source.containerCgroup(id), source.writableLayer(id), nanoClock.getAsLong());
  }

  private PodFigures measurePod(String id) {
    return new PodFigures(source.pod(id), nanoClock.getAsLong());
  }

  @Override
  public void close() {
    if (sampler != null) {
      sampler.shutdownNow();
    }
  }
}
