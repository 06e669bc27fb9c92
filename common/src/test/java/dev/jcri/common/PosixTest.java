package dev.jcri.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.LastErrorException;
import com.sun.jna.ptr.IntByReference;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The directly bound calls: results, errno as an exception where declared, the bytes of reads and writes. */
class PosixTest {

  @Test
  void failures_carryErrno() {
    assertEquals(9, assertThrows(LastErrorException.class, () -> Posix.close(-1)).getErrorCode(), "EBADF");
    assertEquals(10, assertThrows(LastErrorException.class,
        () -> Posix.waitpid(1, new IntByReference(), 1)).getErrorCode(), "ECHILD: init is not our child");
    assertEquals(-1, Posix.shutdown(-1, Libc.SHUT_RDWR), "declared quiet: -1, no exception");
  }

  @Test
  void readAndWrite_moveTheBytes_throughAPipe() {
    int[] fds = new int[2];
    Posix.pipe2(fds, Libc.O_CLOEXEC);
    try {
      assertEquals(5, Posix.write(fds[1], new byte[] {1, 2, 3, 4, 5}, 5));
      byte[] buf = new byte[8];
      assertEquals(5, Posix.read(fds[0], buf, buf.length));
      assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 0, 0, 0}, buf);
    } finally {
      Posix.close(fds[0]);
      Posix.close(fds[1]);
    }
  }

  @Test
  void memFile_holdsItsContent_underItsName() throws Exception {
    byte[] content = "{\"args\":[\"true\"]}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (MemFile f = MemFile.of("jcri-test", content)) {
      Path path = Path.of("/proc/self/fd/" + f.fd());
      assertTrue(Files.readSymbolicLink(path).toString().startsWith("/memfd:jcri-test"), path.toString());
      assertArrayEquals(content, Files.readAllBytes(path));
    }
  }
}
