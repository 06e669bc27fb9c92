package dev.jcri.server.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A CNI network of a test's own: a bridge with a random name, a /24 from 10.123.0.0/16, leases under the
 * test's directory. {@link #close} deletes the bridge, so nothing of it outlives the test.
 */
final class PodNetworkFixture implements AutoCloseable {

  final String bridge;
  final String subnet;
  final Path leases;

  PodNetworkFixture(Path confDir, Path dir, String extraPlugins) throws IOException {
    int n = ThreadLocalRandom.current().nextInt(1, 250);
    this.bridge = "jt" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
    this.subnet = "10.123." + n + ".0/24";
    this.leases = dir.resolve("leases");
    Files.createDirectories(confDir);
    Files.writeString(confDir.resolve("10-test.conflist"), """
        {"cniVersion": "1.0.0", "name": "%s", "plugins": [
          {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false, "hairpinMode": true,
           "ipam": {"type": "host-local", "dataDir": "%s", "ranges": [[{"subnet": "%s"}]],
                    "routes": [{"dst": "0.0.0.0/0"}]}},
          {"type": "portmap", "capabilities": {"portMappings": true}}%s
        ]}
        """.formatted(bridge, bridge, leases, subnet, extraPlugins));
  }

  /** IP addresses leased and not yet released. */
  List<String> leasedIps() throws IOException {
    Path dir = leases.resolve(bridge);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9.]+")).toList();
    }
  }

  /** veth interfaces still attached to the bridge. */
  List<String> attachedLinks() throws IOException {
    Path ports = Path.of("/sys/class/net", bridge, "brif");
    if (!Files.isDirectory(ports)) {
      return List.of();
    }
    try (var s = Files.list(ports)) {
      return new ArrayList<>(s.map(p -> p.getFileName().toString()).toList());
    }
  }

  static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  @Override
  public void close() throws IOException {
    try {
      run("ip", "link", "del", bridge);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
