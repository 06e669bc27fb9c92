package dev.jcri.sandbox.ns;

import com.sun.jna.LastErrorException;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.Libc;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Brings {@code lo} up in the calling thread's network namespace with two ioctls, which is all the CNI
 * loopback plugin does for a new namespace; that saves a plugin process (about 20 ms) per pod.
 */
public final class Loopback {

  private static final int AF_INET = 2;
  private static final int SOCK_DGRAM = 2;
  private static final long SIOCGIFFLAGS = 0x8913;
  private static final long SIOCSIFFLAGS = 0x8914;
  private static final short IFF_UP = 0x1;
  private static final int IFREQ_SIZE = 40;
  private static final int FLAGS_OFFSET = 16;

  private Loopback() {}

  public static void up() {
    Libc c = Libc.INSTANCE;
    int fd = -1;
    try {
      fd = c.socket(AF_INET, SOCK_DGRAM, 0);
      byte[] ifreq = new byte[IFREQ_SIZE];
      byte[] name = "lo".getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(name, 0, ifreq, 0, name.length);
      c.ioctl(fd, SIOCGIFFLAGS, ifreq);
      ByteBuffer b = ByteBuffer.wrap(ifreq).order(ByteOrder.nativeOrder());
      b.putShort(FLAGS_OFFSET, (short) (b.getShort(FLAGS_OFFSET) | IFF_UP));
      c.ioctl(fd, SIOCSIFFLAGS, ifreq);
    } catch (LastErrorException e) {
      throw new FailedPreconditionException("bringing up lo in the pod's network namespace: " + Libc.describe(e), e);
    } finally {
      if (fd >= 0) {
        c.close(fd);
      }
    }
  }
}
