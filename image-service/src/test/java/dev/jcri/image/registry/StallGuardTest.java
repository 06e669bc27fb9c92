package dev.jcri.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StallGuardTest {

  @Test
  void read_withoutDataPastTheLimit_failsSayingSo() throws IOException {
    try (PipedOutputStream silent = new PipedOutputStream();
        StallGuard in = new StallGuard(new PipedInputStream(silent), Duration.ofSeconds(1), "blob x")) {
      silent.write(7);
      assertEquals(7, in.read());
      IOException e = assertThrows(IOException.class, in::read);
      assertTrue(e.getMessage().contains("no data from the registry"), e.getMessage());
      assertTrue(!Thread.currentThread().isInterrupted(), "the interrupt does not leak to the caller");
    }
  }

  @Test
  void authChallenge_parsesBearerParameters() {
    AuthChallenge c = AuthChallenge.parse(
        "Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:a/b:pull\"");
    assertEquals("bearer", c.scheme());
    assertEquals("https://auth.example/token", c.param("realm"));
    assertEquals("registry.example", c.param("service"));
    assertEquals("repository:a/b:pull", c.param("scope"));
    assertEquals("basic", AuthChallenge.parse("Basic realm=\"x\"").scheme());
  }

  @Test
  void registryHosts_mirrorsFirst_loopbackPlainHttp() {
    RegistryHosts hosts = new RegistryHosts(java.util.Map.of("docker.io", java.util.List.of("http://127.0.0.1:5000/")),
        java.util.Set.of("insecure.example:5000"));
    assertEquals(java.util.List.of(java.net.URI.create("http://127.0.0.1:5000/v2"),
        java.net.URI.create("https://registry-1.docker.io/v2")),
        hosts.endpoints("docker.io").stream().map(RegistryEndpoint::root).toList());
    assertEquals("http://insecure.example:5000/v2", root(hosts, "insecure.example:5000"));
    assertEquals("http://127.0.0.1:5000/v2", root(hosts, "127.0.0.1:5000"));
    assertEquals("http://localhost:5000/v2", root(hosts, "localhost:5000"));
    assertEquals("https://registry.example/v2", root(hosts, "registry.example"));
  }

  private static String root(RegistryHosts hosts, String domain) {
    return hosts.endpoints(domain).getFirst().root().toString();
  }
}
