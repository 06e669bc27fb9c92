package dev.jcri.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records on disk, and who waits for whose fsync. */
class RecordStoreTest {

  record Rec(String id, String name, int version) {}

  @TempDir
  Path dir;

  /** Threads of its own: the common pool may have one thread only (two cores), which the held write takes. */
  private final java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();

  @org.junit.jupiter.api.AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  private final CountDownLatch aWriting = new CountDownLatch(1);
  private final CountDownLatch aMayFinish = new CountDownLatch(1);

  /** Writes as jcri does, but holds record "a0"'s write on the disk until the test lets it finish. */
  private final RecordStore.Disk slowForA = (file, content) -> {
    if (file.getFileName().toString().equals("a0.json")) {
      aWriting.countDown();
      try {
        aMayFinish.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    AtomicFiles.write(file, content);
  };

  private RecordStore<Rec> store(RecordStore.Disk disk) {
    return new RecordStore<>(dir, Rec.class, "rec", Rec::id, Rec::name, disk);
  }

  @Test
  void aRecordBeingWritten_holdsUpNeitherLookupsNorOtherRecords_andIsShownOnceOnDisk() throws Exception {
    RecordStore<Rec> store = store(slowForA);
    store.put(new Rec("b0", "b", 1));
    CompletableFuture<Void> a = CompletableFuture.runAsync(() -> store.put(new Rec("a0", "a", 1)), threads);
    assertTrue(aWriting.await(10, TimeUnit.SECONDS));

    // While a0's bytes are on their way to the disk: lookups, lists and b0's next write go on.
    CompletableFuture<List<Rec>> others = CompletableFuture.supplyAsync(() -> {
      store.put(new Rec("b0", "b", 2));
      return store.list();
    }, threads);
    assertEquals(List.of(new Rec("b0", "b", 2)), others.get(5, TimeUnit.SECONDS));
    assertTrue(store.find("a0").isEmpty(), "a0 is shown only once it is on disk");
    assertFalse(a.isDone());

    aMayFinish.countDown();
    a.get(10, TimeUnit.SECONDS);
    assertEquals(new Rec("a0", "a", 1), store.get("a0"));
    // and what is on disk is what is shown: a new store reads both back
    RecordStore<Rec> reread = store(AtomicFiles::write);
    assertEquals(new Rec("a0", "a", 1), reread.get("a0"));
    assertEquals(new Rec("b0", "b", 2), reread.get("b0"));
  }

  @Test
  void writesOfOneRecord_keepTheirOrder() throws Exception {
    RecordStore<Rec> store = store(slowForA);
    CompletableFuture<Void> first = CompletableFuture.runAsync(() -> store.put(new Rec("a0", "a", 1)), threads);
    assertTrue(aWriting.await(10, TimeUnit.SECONDS));
    CompletableFuture<Void> second = CompletableFuture.runAsync(() -> store.delete("a0"), threads);
    Thread.sleep(200);
    assertFalse(second.isDone(), "the delete waits for the write before it");
    aMayFinish.countDown();
    first.get(10, TimeUnit.SECONDS);
    second.get(10, TimeUnit.SECONDS);
    assertTrue(store.find("a0").isEmpty());
    assertTrue(store(AtomicFiles::write).find("a0").isEmpty(), "nor on disk");
  }
}
