package dev.jcri.server;

import dev.jcri.common.HelperProcess;
import dev.jcri.common.Log;
import dev.jcri.common.Spawn;
import dev.jcri.sandbox.cni.CniNetwork;
import dev.jcri.server.config.JcriConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * jcri's own pod network for a node that has none: installed into the CNI config directory when it holds
 * no usable config (and kept on the pod CIDR kubelet hands over), with IPv4 forwarding switched on so pod
 * traffic leaves the node. Off with {@code [cni] default_network = false}.
 */
final class DefaultNetwork {

  private static final Log LOG = Log.of(DefaultNetwork.class);

  private final JcriConfig.Cni cni;

  DefaultNetwork(JcriConfig.Cni cni) {
    this.cni = cni;
  }

  /** Installs or updates the default network for {@code podCidr} (may be empty or dual-stack). */
  void install(String podCidr) {
    if (!cni.defaultNetwork()) {
      return;
    }
    String subnet = CniNetwork.DEFAULT_SUBNET;
    for (String part : podCidr.split(",")) {
      if (part.strip().matches("[0-9.]+/[0-9]+")) {
        subnet = part.strip();
        break;
      }
    }
    Path dir = Path.of(cni.confDir());
    if (CniNetwork.installDefault(dir, subnet, cni.defaultBridge())) {
      LOG.info("installed jcri's default pod network", "file", dir.resolve(CniNetwork.DEFAULT_FILE), "subnet", subnet);
      enableForwarding();
      dropIdleBridge();
    }
  }

  /**
   * The bridge keeps the gateway address of the subnet it was made for, and the bridge plugin refuses an
   * address of another subnet; so when the subnet changes, an idle bridge goes and is made anew. A bridge
   * with pods on it stays (its pods keep working; new ones fail until they are gone) and this is logged.
   */
  private void dropIdleBridge() {
    Path bridge = Path.of("/sys/class/net", cni.defaultBridge());
    if (!Files.exists(bridge)) {
      return;
    }
    try (var ports = Files.list(bridge.resolve("brif"))) {
      if (ports.findAny().isPresent()) {
        LOG.warn("the pod subnet changed while pods use the default bridge; new pods can start once those are gone",
            "bridge", cni.defaultBridge());
        return;
      }
      HelperProcess p = Spawn.of("ip", "link", "del", cni.defaultBridge()).stdoutPipe().stderrToStdout().start();
      String out;
      try (InputStream in = p.stdout()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (p.waitFor() != 0) {
        LOG.warn("could not remove the idle default bridge: " + out.strip());
      }
    } catch (IOException e) {
      LOG.warn("checking the default bridge: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void enableForwarding() {
    Path forward = Path.of("/proc/sys/net/ipv4/ip_forward");
    try {
      if (!Files.readString(forward).strip().equals("1")) {
        Files.writeString(forward, "1");
        LOG.info("set net.ipv4.ip_forward=1 so pod traffic is routed off the node");
      }
    } catch (IOException e) {
      LOG.warn("cannot set net.ipv4.ip_forward=1: " + e.getMessage());
    }
  }
}
