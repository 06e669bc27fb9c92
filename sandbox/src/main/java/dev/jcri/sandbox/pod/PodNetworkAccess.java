package dev.jcri.sandbox.pod;

import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.sandbox.ns.NamespaceKind;
import dev.jcri.sandbox.ns.PodNamespaces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What is done from inside a pod's network namespace: reading its interface counters, dialling its ports. */
final class PodNetworkAccess {

  private final PodNamespaces namespaces;

  PodNetworkAccess(PodNamespaces namespaces) {
    this.namespaces = namespaces;
  }

  /** Counters of the pod's interfaces; none for a pod on the node's network or one whose namespace is gone. */
  List<PodStats.NetStats> interfaces(PodSandbox pod) {
    String pin = pod.pins().get(NamespaceKind.NET.procName());
    return pin == null ? List.of() : namespaces.enter(Path.of(pin), NamespaceKind.NET, PodNetworkAccess::readNetDev);
  }

  private static List<PodStats.NetStats> readNetDev() {
    try {
      List<PodStats.NetStats> out = new ArrayList<>();
      for (String line : Files.readAllLines(Path.of("/proc/thread-self/net/dev"))) {
        int colon = line.indexOf(':');
        if (colon < 0) {
          continue;
        }
        String iface = line.substring(0, colon).strip();
        String[] f = line.substring(colon + 1).strip().split("\\s+");
        out.add(new PodStats.NetStats(iface, Long.parseLong(f[0]), Long.parseLong(f[2]), Long.parseLong(f[8]),
            Long.parseLong(f[10])));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Opens a TCP connection to {@code port} on the pod's loopback: the socket is made by a thread inside the
   * pod's network namespace (the node's, for a host-network pod), then connected from here. IPv4 first, then
   * IPv6, as a server may listen on either.
   */
  SocketChannel dial(PodSandbox pod, int port) throws IOException {
    if (port < 1 || port > 65535) {
      throw new InvalidArgumentException("port " + port + " is out of range 1-65535");
    }
    if (pod.state() != PodSandbox.State.READY) {
      throw new FailedPreconditionException("pod sandbox " + pod.id() + " is not ready");
    }
    String pin = pod.pins().get(NamespaceKind.NET.procName());
    IOException last = null;
    for (InetAddress loopback : List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1"))) {
      SocketChannel ch = openSocket(pin, loopback instanceof Inet6Address);
      try {
        ch.connect(new InetSocketAddress(loopback, port));
        return ch;
      } catch (IOException e) {
        ch.close();
        if (last != null) {
          e.addSuppressed(last);
        }
        last = e;
      }
    }
    throw last;
  }

  private SocketChannel openSocket(String netnsPin, boolean ipv6) throws IOException {
    ProtocolFamily family = ipv6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    if (netnsPin == null) {
      return SocketChannel.open(family);
    }
    try {
      return namespaces.enter(Path.of(netnsPin), NamespaceKind.NET, () -> {
        try {
          return SocketChannel.open(family);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
