package dev.jcri.sandbox.io;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.jcri.common.Fd;
import dev.jcri.common.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Unix sockets Java's own channels cannot do: SOCK_SEQPACKET (conmon's attach socket), and receiving a file
 * descriptor with SCM_RIGHTS (the terminal master an OCI runtime sends to its {@code --console-socket}).
 */
public final class UnixSockets {

  private static final int SOL_SOCKET = 1;
  private static final int SCM_RIGHTS = 1;
  private static final int POLLIN = 0x1;
  private static final int MSG_CMSG_CLOEXEC = 0x40000000;

  private UnixSockets() {}

  /**
   * Connects a SOCK_SEQPACKET socket to {@code name} inside {@code dir}. The directory is reached through
   * {@code /proc/self/fd}, so a deep directory does not run into the 108-byte socket path limit.
   */
  public static Fd connectSeqPacket(Path dir, String name) throws IOException {
    int dirFd;
    try {
      dirFd = Libc.INSTANCE.open(dir.toString(), Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new IOException("opening " + dir + ": " + Libc.describe(e), e);
    }
    int fd = -1;
    try {
      fd = Libc.INSTANCE.socket(Libc.AF_UNIX, Libc.SOCK_SEQPACKET | Libc.SOCK_CLOEXEC, 0);
      byte[] addr = Libc.sockaddrUn("/proc/self/fd/" + dirFd + "/" + name);
      Libc.INSTANCE.connect(fd, addr, addr.length);
      return new Fd(fd);
    } catch (LastErrorException e) {
      if (fd >= 0) {
        Libc.INSTANCE.close(fd);
      }
      throw new IOException("connecting to " + dir.resolve(name) + ": " + Libc.describe(e), e);
    } finally {
      Libc.INSTANCE.close(dirFd);
    }
  }

  /** A listening SOCK_STREAM socket that takes one file descriptor from whoever connects. */
  public static final class FdReceiver implements AutoCloseable {
    private final int fd;
    private final Path path;

    private FdReceiver(int fd, Path path) {
      this.fd = fd;
      this.path = path;
    }

    public static FdReceiver listen(Path path) throws IOException {
      int fd = -1;
      try {
        fd = Libc.INSTANCE.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        byte[] addr = Libc.sockaddrUn(path.toString());
        Libc.INSTANCE.bind(fd, addr, addr.length);
        Libc.INSTANCE.listen(fd, 1);
        return new FdReceiver(fd, path);
      } catch (LastErrorException e) {
        if (fd >= 0) {
          Libc.INSTANCE.close(fd);
        }
        throw new IOException("listening on " + path + ": " + Libc.describe(e), e);
      }
    }

    public Path path() {
      return path;
    }

    /**
     * Waits up to {@code timeout} for a connection carrying a descriptor and returns it; gives up early once
     * {@code stillWaiting} turns false (the sender died).
     */
    public Fd receive(Duration timeout, BooleanSupplier stillWaiting) throws IOException {
      long deadline = System.nanoTime() + timeout.toNanos();
      Memory pollFd = new Memory(8);
      while (true) {
        pollFd.setInt(0, fd);
        pollFd.setShort(4, (short) POLLIN);
        pollFd.setShort(6, (short) 0);
        int ready;
        try {
          ready = Libc.INSTANCE.poll(pollFd, 1, 100);
        } catch (LastErrorException e) {
          if (e.getErrorCode() == Libc.EINTR) {
            continue;
          }
          throw new IOException("poll: " + Libc.describe(e), e);
        }
        if (ready > 0) {
          break;
        }
        if (!stillWaiting.getAsBoolean()) {
          throw new IOException("the runtime exited before sending the terminal");
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("no terminal received on " + path + " within " + timeout.toSeconds() + " s");
        }
      }
      int conn;
      try {
        conn = Libc.INSTANCE.accept4(fd, Pointer.NULL, Pointer.NULL, Libc.SOCK_CLOEXEC);
      } catch (LastErrorException e) {
        throw new IOException("accept on " + path + ": " + Libc.describe(e), e);
      }
      try {
        return new Fd(receiveFd(conn));
      } finally {
        Libc.INSTANCE.close(conn);
      }
    }

    private static int receiveFd(int conn) throws IOException {
      Memory data = new Memory(4096);
      Memory iov = new Memory(16);
      iov.setPointer(0, data);
      iov.setLong(8, data.size());
      Memory control = new Memory(64);
      control.clear();
      Memory msg = new Memory(56);
      msg.clear();
      msg.setPointer(16, iov);
      msg.setLong(24, 1);
      msg.setPointer(32, control);
      msg.setLong(40, control.size());
      try {
        Libc.INSTANCE.recvmsg(conn, msg, MSG_CMSG_CLOEXEC);
      } catch (LastErrorException e) {
        throw new IOException("recvmsg: " + Libc.describe(e), e);
      }
      long controlLen = msg.getLong(40);
      // struct cmsghdr: size_t cmsg_len, int cmsg_level, int cmsg_type, then the data.
      if (controlLen < 20 || control.getInt(8) != SOL_SOCKET || control.getInt(12) != SCM_RIGHTS) {
        throw new IOException("the runtime connected but sent no file descriptor");
      }
      return control.getInt(16);
    }

    @Override
    public void close() {
      try {
        Libc.INSTANCE.close(fd);
      } catch (LastErrorException ignored) {
        // nothing left to release
      }
      try {
        Files.deleteIfExists(path);
      } catch (IOException ignored) {
        // the directory goes with its owner
      }
    }
  }
}
