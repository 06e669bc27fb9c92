package dev.jcri.sandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** crun's start protocol against a FIFO laid out as crun lays it out, with this test as the waiting init. */
class CrunStarterTest {

  private static final int O_NONBLOCK = 04000;
  private Path root;
  private Path fifo;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createTempDirectory("jcri-crun-root");
    fifo = Files.createDirectories(root.resolve("c1")).resolve("exec.fifo");
    Libc.INSTANCE.mkfifo(fifo.toString(), 0600);
  }

  @AfterEach
  void tearDown() throws IOException {
    new ProcessBuilder("rm", "-rf", root.toString()).start();
  }

  @Test
  void start_unlinksTheFifo_andWakesTheReaderWithOneByte() {
    int reader = Libc.INSTANCE.open(fifo.toString(), Libc.O_RDONLY | O_NONBLOCK | Libc.O_CLOEXEC);
    try {
      CrunStarter.start(root, "c1");
      assertFalse(Files.exists(fifo), "crun reports a container without exec.fifo as running");
      byte[] buf = new byte[8];
      assertEquals(1, Libc.INSTANCE.read(reader, buf, buf.length));
    } finally {
      Libc.INSTANCE.close(reader);
    }
  }

  @Test
  void noReader_isTheInitGone() {
    FailedPreconditionException e = assertThrows(FailedPreconditionException.class,
        () -> CrunStarter.start(root, "c1"));
    assertTrue(e.getMessage().contains("init process is gone"), e.getMessage());
  }

  @Test
  void noFifo_isStartedAlreadyOrGone() {
    FailedPreconditionException e = assertThrows(FailedPreconditionException.class,
        () -> CrunStarter.start(root, "other"));
    assertTrue(e.getMessage().contains("not waiting to start"), e.getMessage());
  }
}
