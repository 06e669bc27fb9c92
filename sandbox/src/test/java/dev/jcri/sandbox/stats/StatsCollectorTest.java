package dev.jcri.sandbox.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.jcri.sandbox.cgroup.CgroupStats;
import dev.jcri.sandbox.pod.PodStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Figures from the background samples, on a clock the test moves: kubelet's call every period finds a newer
 * figure each time; a caller asking again a second later (crictl stats) gets one measured then.
 */
class StatsCollectorTest {

  private static final long S = 1_000_000_000L;

  private long now = 100 * S;
  private final AtomicInteger containerMeasures = new AtomicInteger();
  private final AtomicInteger podMeasures = new AtomicInteger();
  private final List<String> running = new ArrayList<>(List.of("c1", "c2"));

  private final StatsCollector.Source source = new StatsCollector.Source() {
    @Override
    public List<String> runningContainers() {
      return List.copyOf(running);
    }

    @Override
    public CgroupStats containerCgroup(String id) {
      containerMeasures.incrementAndGet();
      return new CgroupStats(now, 1, 1, 1, 1, now);
    }

    @Override
    public long[] writableLayer(String id) {
      return new long[] {10, 2};
    }

    @Override
    public List<String> readyPods() {
      return List.of("p1");
    }

    @Override
    public PodStats pod(String id) {
      podMeasures.incrementAndGet();
      return new PodStats(new CgroupStats(now, 1, 1, 1, 1, now), List.of());
    }
  };

  private final StatsCollector stats = new StatsCollector(source, Duration.ofSeconds(10), () -> now);

  @Test
  void kubeletEveryPeriod_findsANewerSampleEachTime_measuringNothingItself() {
    long lastStamp = -1;
    for (int second = 0; second < 120; second++) {
      stats.sample(); // the sampler's tick
      if (second % 10 == 5) { // kubelet, every 10 s
        int before = containerMeasures.get();
        long stamp = stats.container("c1").cgroup().atNanos();
        assertEquals(before, containerMeasures.get(), "answered from the sample at second " + second);
        assertNotEquals(lastStamp, stamp, "the same figure as 10 s before, at second " + second);
        lastStamp = stamp;
        stats.pod("p1");
      }
      now += S;
    }
    // Each container sampled once every period less two ticks (8 s), not every tick.
    assertEquals(2 * 15, containerMeasures.get(), "samples of two containers over 120 s: at 0, 8, 16 ... 112 s");
  }

  /**
   * Passes start a tick after the last one ended (here 50 ms long): a figure measured as kubelet asked is due
   * again, and sampled, before kubelet's next call, whatever the phase of the ticks.
   */
  @Test
  void aFigureMeasuredAsKubeletAsked_isSampledAgainBeforeItsNextCall_whateverThePhase() {
    long ms = 1_000_000L;
    for (long phase = 0; phase < 1050; phase += 10) {
      StatsCollector collector = new StatsCollector(source, Duration.ofSeconds(10), () -> now);
      long start = now;
      long nextTick = start + phase * ms;
      int measuredInCalls = 0;
      for (int call = 0; call <= 6; call++) {
        long callAt = start + call * 10 * S;
        while (nextTick <= callAt) {
          now = nextTick;
          if (call > 0) { // no sample before the first call: kubelet's first ask measures c1 itself
            collector.sample();
          }
          nextTick = now + 1050 * ms;
        }
        now = callAt;
        int before = containerMeasures.get();
        collector.container("c1");
        if (call > 0) {
          measuredInCalls += containerMeasures.get() - before;
        }
      }
      assertEquals(0, measuredInCalls, "kubelet's calls after its first measured c1 themselves, ticks at phase "
          + phase + " ms");
      now += 100 * S;
    }
  }

  @Test
  void askedAgainASecondLater_getsAFigureMeasuredThen_askedTwiceAtOnce_theSameOne() {
    stats.sample();
    now += 3 * S;
    StatsCollector.ContainerFigures first = stats.container("c1");
    assertSame(first, stats.container("c1"), "twice at once: the same sample");
    PodStats firstPod = stats.pod("p1");
    now += S; // crictl stats: the second call of its one-second window
    StatsCollector.ContainerFigures second = stats.container("c1");
    assertNotEquals(first.cgroup().atNanos(), second.cgroup().atNanos(), "crictl divides by the stamps' difference");
    assertNotEquals(firstPod.cgroup().atNanos(), stats.pod("p1").cgroup().atNanos());
    // What was measured for the second call is the sample now, and is handed out again within the second.
    assertSame(second, stats.container("c1"));
  }

  @Test
  void aContainerWithoutASample_isMeasuredOnTheSpot_aGoneOneForgotten() {
    stats.sample();
    running.add("c3");
    int before = containerMeasures.get();
    stats.container("c3");
    assertEquals(before + 1, containerMeasures.get());
    running.clear();
    stats.sample();
    int after = containerMeasures.get();
    stats.container("c1"); // gone from the samples: measured when asked
    assertEquals(after + 1, containerMeasures.get());
  }

  @Test
  void periodZero_everyCallMeasures() {
    StatsCollector onDemand = new StatsCollector(source, Duration.ZERO, () -> now);
    onDemand.sample();
    int before = containerMeasures.get();
    onDemand.container("c1");
    onDemand.container("c1");
    assertEquals(before + 2, containerMeasures.get());
  }
}
