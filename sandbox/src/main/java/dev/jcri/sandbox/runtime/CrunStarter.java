package dev.jcri.sandbox.runtime;

import com.sun.jna.LastErrorException;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Starts a created crun container the way {@code crun start} does, without running crun (a process start,
 * ~9-14 ms on this VM, for three syscalls).
 *
 * <p>crun's {@code create} leaves the container's init process blocked reading {@code exec.fifo} in the
 * container's state directory; {@code crun start} opens the FIFO for writing, unlinks it (from then on crun
 * reports the container as running, not created) and writes one byte, which lets the init exec the
 * container's process. That protocol is crun's since 2017 and unchanged in its current source. Here the byte
 * goes before the unlink, and the open does not block: with no reader (the init is gone) it fails at once
 * instead of waiting for one. Poststart hooks, which {@code crun start} would run, are never in the specs
 * jcri writes.
 */
final class CrunStarter {

  private static final int O_NONBLOCK = 04000;
  private static final int ENOENT = 2;
  private static final int ENXIO = 6;

  private CrunStarter() {}

  /** Lets container {@code id}, whose crun state is under {@code root}, run its process. */
  static void start(Path root, String id) {
    Path fifo = root.resolve(id).resolve("exec.fifo");
    int fd;
    try {
      fd = Libc.INSTANCE.open(fifo.toString(), Libc.O_WRONLY | O_NONBLOCK | Libc.O_CLOEXEC);
    } catch (LastErrorException e) {
      throw switch (e.getErrorCode()) {
        case ENOENT -> new FailedPreconditionException("container " + id + " is not waiting to start (crun has no"
            + " exec.fifo for it: it was started already or is gone)");
        case ENXIO -> new FailedPreconditionException("container " + id + " cannot start: its init process is gone");
        default -> new FailedPreconditionException("starting container " + id + ": opening " + fifo + ": "
            + Libc.describe(e), e);
      };
    }
    try {
      // The byte first, then the unlink (crun unlinks first): a writer that goes away without writing leaves
      // crun's init spinning on end-of-file, so the window for that is kept to two adjacent calls.
      if (Libc.INSTANCE.write(fd, new byte[1], 1) != 1) {
        throw new FailedPreconditionException("starting container " + id + ": short write to " + fifo);
      }
      Files.delete(fifo);
    } catch (IOException e) {
      throw new FailedPreconditionException("starting container " + id + ": removing " + fifo + ": " + e, e);
    } catch (LastErrorException e) {
      throw new FailedPreconditionException("starting container " + id + ": writing to " + fifo + ": "
          + Libc.describe(e), e);
    } finally {
      Libc.INSTANCE.close(fd);
    }
  }
}
