package dev.jcri.image.content;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.InvalidArgumentException;
import dev.jcri.image.manifest.Descriptor;
import dev.jcri.image.ref.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrowingBlobTest {

  @TempDir Path root;

  private static Descriptor descriptorOf(byte[] content) throws Exception {
    String hex = java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    return new Descriptor("application/octet-stream", new Digest("sha256", hex), content.length, null, null);
  }

  private static CompletableFuture<Path> writeAsync(ContentStore store, Descriptor d, GrowingBlob blob, InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return store.write(d, blob, in, n -> {});
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  @Test
  void reader_getsEachPartAsItIsWritten_thenTheWholeBlob() throws Exception {
    byte[] content = new byte[900 * 1024];
    new java.util.Random(1).nextBytes(content);
    Descriptor d = descriptorOf(content);
    ContentStore store = new ContentStore(root);
    GrowingBlob blob = store.begin(d);
    PipedOutputStream network = new PipedOutputStream();
    CompletableFuture<Path> written = writeAsync(store, d, blob, new PipedInputStream(network, 1 << 20));
    try (InputStream reader = blob.reader()) {
      network.write(content, 0, 1000);
      network.flush();
      assertArrayEquals(Arrays.copyOf(content, 1000), reader.readNBytes(1000),
          "bytes are readable before the rest arrive");
      assertFalse(written.isDone(), "while the download is still going");
      network.write(content, 1000, content.length - 1000);
      network.close();
      assertArrayEquals(Arrays.copyOfRange(content, 1000, content.length), reader.readAllBytes());
    }
    assertEquals(store.path(d.digest()), written.get(10, TimeUnit.SECONDS));
    try (InputStream again = blob.reader()) {
      assertArrayEquals(content, again.readAllBytes(), "a reader opened after the move reads the stored blob");
    }
  }

  @Test
  void cutShortWrite_failsTheWaitingReader_andLeavesNoFile() throws Exception {
    byte[] content = "twelve bytes".getBytes();
    Descriptor d = descriptorOf(content);
    ContentStore store = new ContentStore(root);
    GrowingBlob blob = store.begin(d);
    InputStream early = blob.reader();
    CompletableFuture<Integer> reading = CompletableFuture.supplyAsync(() -> {
      try (InputStream r = early) {
        return r.readAllBytes().length;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    PipedOutputStream network = new PipedOutputStream();
    CompletableFuture<Path> written = writeAsync(store, d, blob, new PipedInputStream(network));
    network.write("twelve".getBytes());
    network.flush();
    Thread.sleep(100);
    network.close();
    ExecutionException w = assertThrows(ExecutionException.class, () -> written.get(10, TimeUnit.SECONDS));
    assertTrue(w.getCause() instanceof InvalidArgumentException, String.valueOf(w.getCause()));
    ExecutionException e = assertThrows(ExecutionException.class, () -> reading.get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("download failed"), e.getCause().getMessage());
    assertFalse(store.has(d.digest()));
    try (var ingest = Files.list(root.resolve("ingest"))) {
      assertEquals(0, ingest.count());
    }
    assertThrows(IOException.class, blob::reader, "a reader arriving late fails too");
  }

  @Test
  void storedBlob_isCompleteAtOnce() throws Exception {
    byte[] content = "stored".getBytes();
    Descriptor d = descriptorOf(content);
    ContentStore store = new ContentStore(root);
    store.write(d, new ByteArrayInputStream(content), n -> {});
    try (InputStream r = store.begin(d).reader()) {
      assertArrayEquals(content, r.readAllBytes());
    }
  }
}
