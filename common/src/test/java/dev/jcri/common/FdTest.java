package dev.jcri.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Closing a pipe: the shutdown that wakes a socket's reader answers -1 for it, nothing thrown. */
class FdTest {

  @Test
  void pipe_closes_withoutAnErrorRaised() throws IOException {
    int[] fds = new int[2];
    Posix.pipe2(fds, Libc.O_CLOEXEC);
    assertEquals(-1, Posix.shutdown(fds[0], Libc.SHUT_RDWR), "a pipe is not a socket: -1, no throw");
    Fd read = new Fd(fds[0]);
    Fd write = new Fd(fds[1]);
    write.write(new byte[] {7}, 0, 1);
    write.close();
    byte[] buf = new byte[4];
    assertEquals(1, read.read(buf, 4));
    assertEquals(-1, read.read(buf, 4), "end of stream once the writer closed");
    read.close();
    read.close();
    assertEquals(-1, read.read(buf, 4), "closed");
  }
}
