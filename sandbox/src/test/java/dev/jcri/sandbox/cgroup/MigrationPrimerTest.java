package dev.jcri.sandbox.cgroup;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.sandbox.node.CgroupLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class MigrationPrimerTest {

  /** Counts moves, the threads that made them, and how many ran at once. */
  static final class Moves implements MigrationPrimer.Migration {
    final AtomicInteger count = new AtomicInteger();
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger mostAtOnce = new AtomicInteger();
    final Set<String> threads = ConcurrentHashMap.newKeySet();
    final Semaphore made = new Semaphore(0);

    @Override
    public void moveSelf() {
      mostAtOnce.accumulateAndGet(inside.incrementAndGet(), Math::max);
      threads.add(Thread.currentThread().getName());
      count.incrementAndGet();
      inside.decrementAndGet();
      made.release();
    }

    void await(int n) throws InterruptedException {
      assertTrue(made.tryAcquire(n, 10, TimeUnit.SECONDS), n + " moves within 10 s");
    }
  }

  static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, what);
      Thread.sleep(1);
    }
  }

  @Test
  void nothingMoves_untilSomeoneHolds_thenAtOnceAndAgainUntilTheHoldCloses() throws Exception {
    Moves moves = new Moves();
    MigrationPrimer primer = new MigrationPrimer(moves, "primer-test");
    Thread.sleep(20);
    assertEquals(0, moves.count.get(), "no move without a hold");

    MigrationPrimer.Hold hold = primer.hold();
    assertEquals(1, primer.holders());
    moves.await(3);
    hold.close();
    hold.close();
    assertEquals(0, primer.holders(), "a hold closed twice counts once");
    waitFor(() -> !primer.running(), "the priming thread ends once no one holds");
    int after = moves.count.get();
    Thread.sleep(5 * TimeUnit.NANOSECONDS.toMillis(MigrationPrimer.PERIOD_NANOS));
    assertEquals(after, moves.count.get(), "no move after the last hold closed");
  }

  @Test
  void overlappingHolds_oneThreadPrimesForAll_untilTheLastCloses() throws Exception {
    Moves moves = new Moves();
    MigrationPrimer primer = new MigrationPrimer(moves, "primer-test");
    MigrationPrimer.Hold first = primer.hold();
    MigrationPrimer.Hold second = primer.hold();
    moves.await(2);
    first.close();
    moves.await(2);
    assertTrue(primer.running(), "still primed for the second hold");
    second.close();
    waitFor(() -> !primer.running(), "the priming thread ends with the last hold");
    assertEquals(1, moves.mostAtOnce.get(), "one move at a time");
    assertEquals(Set.of("primer-test"), moves.threads);

    MigrationPrimer.Hold again = primer.hold();
    moves.await(1);
    assertTrue(primer.running(), "a hold after a quiet spell starts priming again");
    again.close();
  }

  @Test
  void aMoveThatFails_turnsThePrimerOff_andHoldsGoOnWithoutIt() throws Exception {
    AtomicInteger tries = new AtomicInteger();
    MigrationPrimer primer = new MigrationPrimer(() -> {
      tries.incrementAndGet();
      throw new IOException("Read-only file system");
    }, "primer-test");
    MigrationPrimer.Hold hold = primer.hold();
    waitFor(primer::off, "the primer turns itself off");
    hold.close();
    waitFor(() -> !primer.running(), "its thread ends");
    MigrationPrimer.Hold later = assertDoesNotThrow(primer::hold);
    assertEquals(0, primer.holders(), "an off primer holds nothing");
    later.close();
    Thread.sleep(20);
    assertEquals(1, tries.get(), "one try, never again");
  }

  @Test
  void none_doesNothing() {
    MigrationPrimer.Hold hold = MigrationPrimer.NONE.hold();
    assertEquals(0, MigrationPrimer.NONE.holders());
    hold.close();
    assertTrue(MigrationPrimer.NONE.off());
  }

  @Test
  void forHost_primesOnCgroupV1AndHybrid_notOnV2() {
    Path v1 = Path.of("/sys/fs/cgroup/cpu");
    assertSame(MigrationPrimer.NONE, MigrationPrimer.forHost(new CgroupLayout(CgroupLayout.Mode.V2, Map.of(),
        Path.of("/sys/fs/cgroup"))));
    assertSame(MigrationPrimer.NONE, MigrationPrimer.forHost(new CgroupLayout(CgroupLayout.Mode.NONE, Map.of(),
        null)));
    assertFalse(MigrationPrimer.forHost(new CgroupLayout(CgroupLayout.Mode.V1, Map.of("cpu", v1), null)).off());
    assertFalse(MigrationPrimer.forHost(new CgroupLayout(CgroupLayout.Mode.HYBRID, Map.of("cpu", v1),
        Path.of("/sys/fs/cgroup/unified"))).off());
    assertSame(MigrationPrimer.NONE, MigrationPrimer.forHost(new CgroupLayout(CgroupLayout.Mode.V1,
        Map.of("name=systemd", Path.of("/sys/fs/cgroup/systemd")), null)), "a named hierarchy has no controller");
  }

  @Test
  void selfMove_findsTheThreadsCgroupInItsControllersLine() throws Exception {
    MigrationPrimer.SelfMove move = new MigrationPrimer.SelfMove("cpuacct", Path.of("/sys/fs/cgroup/cpu,cpuacct"));
    assertEquals("/kubepods/pod1", move.cgroupOf("12:pids:/x\n4:cpu,cpuacct:/kubepods/pod1\n1:name=systemd:/y\n"));
    assertThrows(IOException.class, () -> move.cgroupOf("0::/only-v2\n"));
  }

  /** On this host's kernel: the move is accepted and leaves the thread in the cgroup it was in. */
  @Test
  void selfMove_onThisHost_leavesTheThreadWhereItWas() throws Exception {
    CgroupLayout layout = CgroupLayout.ofHost();
    Map.Entry<String, Path> controller = layout.v1Controllers().entrySet().stream()
        .filter(e -> !e.getKey().startsWith("name=")).findFirst().orElse(null);
    if (controller == null) {
      assertSame(MigrationPrimer.NONE, MigrationPrimer.forHost(layout), "no v1 controller: nothing to prime");
      return;
    }
    MigrationPrimer.SelfMove move = new MigrationPrimer.SelfMove(controller.getKey(), controller.getValue());
    String[] before = new String[1];
    String[] after = new String[1];
    Exception[] failed = new Exception[1];
    Thread t = Thread.ofPlatform().start(() -> {
      try {
        before[0] = Files.readString(Path.of("/proc/thread-self/cgroup"));
        move.moveSelf();
        move.moveSelf();
        after[0] = Files.readString(Path.of("/proc/thread-self/cgroup"));
      } catch (Exception e) {
        failed[0] = e;
      }
    });
    t.join();
    if (failed[0] != null) {
      throw failed[0];
    }
    assertEquals(before[0], after[0]);
  }
}
