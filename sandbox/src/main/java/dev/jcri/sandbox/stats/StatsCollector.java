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
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

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
  private final Sampled<ContainerFigures> containerFigures = new Sampled<>(this::measureContainer,
      ContainerFigures::atNanos);
  private final Sampled<PodFigures> podFigures = new Sampled<>(this::measurePod, PodFigures::atNanos);
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
   * pass after next (so a caller asking once a period always finds a newer one); what is gone is forgotten.
   * Two ticks, not one: passes start a tick after the last one ended, so a figure measured as kubelet asked (a
   * new pod's, or one asked again) could be due a moment after kubelet's next call, which then measured it itself,
   * and the next, as long as the phase held.
   */
  void sample() {
    long age = period.compareTo(TICK.multipliedBy(2)) > 0 ? period.minus(TICK.multipliedBy(2)).toNanos()
        : period.toNanos();
    long due = nanoClock.getAsLong() - age;
    containerFigures.sample(source.runningContainers(), due);
    podFigures.sample(source.readyPods(), due);
  }

  /** The container's latest figures: sampled ones while fresh, else measured now. */
  public ContainerFigures container(ContainerRecord r) {
    return container(r.id());
  }

  ContainerFigures container(String id) {
    return containerFigures.get(id);
  }

  /** The pod's latest figures: sampled ones while fresh, else measured now. */
  public PodStats pod(PodSandbox p) {
    return pod(p.id());
  }

  PodStats pod(String id) {
    return podFigures.get(id).stats();
  }

  /** The figures of one kind (containers or pods), by id: sampled, handed out, measured again when due. */
  private final class Sampled<F> {

    private final Function<String, F> measure;
    private final ToLongFunction<F> stampOf;
    private final Map<String, F> byId = new ConcurrentHashMap<>();
    /** By id: the stamp of the figure last handed out, and when it first was. */
    private final Map<String, long[]> handedOut = new ConcurrentHashMap<>();

    Sampled(Function<String, F> measure, ToLongFunction<F> stampOf) {
      this.measure = measure;
      this.stampOf = stampOf;
    }

    /** Measures each of {@code ids} whose figure is missing or stamped before {@code due}; forgets the rest. */
    void sample(List<String> ids, long due) {
      Set<String> seen = new HashSet<>();
      for (String id : ids) {
        seen.add(id);
        F last = byId.get(id);
        if (last != null && stampOf.applyAsLong(last) - due > 0) {
          continue;
        }
        try {
          byId.put(id, measure.apply(id));
        } catch (RuntimeException gone) {
          // removed or stopped meanwhile (or its cgroup unreadable): a call measures it, or says why
          byId.remove(id);
        }
      }
      byId.keySet().retainAll(seen);
      handedOut.keySet().retainAll(seen);
    }

    F get(String id) {
      F f = byId.get(id);
      if (f != null && fresh(stampOf.applyAsLong(f)) && !askedAgain(id, stampOf.applyAsLong(f))) {
        return f;
      }
      f = measure.apply(id);
      if (!period.isZero()) {
        byId.put(id, f);
        askedAgain(id, stampOf.applyAsLong(f));
      }
      return f;
    }

    /**
     * Notes that the figure stamped {@code atNanos} is handed out now; true if it already was, at least
     * {@link StatsCollector#ASKED_AGAIN} ago (the caller then gets one measured now).
     */
    private boolean askedAgain(String id, long atNanos) {
      long now = nanoClock.getAsLong();
      long[] last = handedOut.get(id);
      if (last != null && last[0] == atNanos) {
        return now - last[1] >= ASKED_AGAIN.toNanos();
      }
      handedOut.put(id, new long[] {atNanos, now});
      return false;
    }
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
