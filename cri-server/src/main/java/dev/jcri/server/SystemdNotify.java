package dev.jcri.server;

import com.sun.jna.LastErrorException;
import dev.jcri.common.Libc;
import dev.jcri.common.Log;
import java.nio.charset.StandardCharsets;

/**
 * Tells systemd (a unit of {@code Type=notify}) that jcri serves, or is stopping, through the datagram
 * socket named by {@code NOTIFY_SOCKET}. Without that variable it does nothing.
 */
final class SystemdNotify {

  private static final Log LOG = Log.of(SystemdNotify.class);

  private SystemdNotify() {}

  static void ready() {
    send("READY=1\nSTATUS=serving the CRI\nMAINPID=" + ProcessHandle.current().pid());
  }

  static void stopping() {
    send("STOPPING=1");
  }

  static void send(String state) {
    String socket = System.getenv("NOTIFY_SOCKET");
    if (socket == null || socket.isEmpty()) {
      return;
    }
    Libc c = Libc.INSTANCE;
    int fd = -1;
    try {
      fd = c.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM, 0);
      byte[] msg = state.getBytes(StandardCharsets.UTF_8);
      byte[] addr = Libc.sockaddrUn(socket);
      c.sendto(fd, msg, msg.length, 0, addr, addr.length);
    } catch (LastErrorException | IllegalArgumentException e) {
      LOG.warn("telling systemd \"" + state.lines().findFirst().orElse("") + "\" failed: " + e.getMessage());
    } finally {
      if (fd >= 0) {
        c.close(fd);
      }
    }
  }
}
