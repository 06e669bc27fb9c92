package dev.jcri.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.FailedPreconditionException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostsDirectoryTest {

  private static final URI OWN = URI.create("https://registry.example/v2");

  @TempDir Path dir;

  private static List<RegistryEndpoint> parse(Path dir, String toml) {
    return HostsDirectory.parse(dir, toml.getBytes(StandardCharsets.UTF_8), OWN, new ArrayList<>());
  }

  @Test
  void directoryNames_portFormFirst_thenTheHost_thenDefault() {
    assertEquals(List.of("127.0.0.1_5000_", "127.0.0.1:5000", "_default"), HostsDirectory.names("127.0.0.1:5000"));
    assertEquals(List.of("docker.io", "_default"), HostsDirectory.names("docker.io"));
  }

  @Test
  void apiRoot_getsV2_unlessThereOrOverridden() {
    assertEquals(URI.create("https://mirror.example/v2"), HostsDirectory.root("mirror.example", false, "t"));
    assertEquals(URI.create("http://m:5000/v2"), HostsDirectory.root("http://m:5000/", false, "t"));
    assertEquals(URI.create("https://m/proxy/v2"), HostsDirectory.root("https://m/proxy", false, "t"));
    assertEquals(URI.create("https://m/proxy/v2"), HostsDirectory.root("https://m//proxy/./v2/", false, "t"));
    assertEquals(URI.create("https://art/api/docker/repo"),
        HostsDirectory.root("https://art/api/docker/repo", true, "t"));
    assertThrows(IllegalArgumentException.class, () -> HostsDirectory.root("ftp://m", false, "t"));
    assertThrows(IllegalArgumentException.class, () -> HostsDirectory.root("https://m/?x=1", false, "t"));
    assertThrows(IllegalArgumentException.class, () -> HostsDirectory.root("https://u:p@m", false, "t"));
  }

  @Test
  void hostsInFileOrder_thenTheServer_withTheirCapabilities() {
    List<RegistryEndpoint> e = parse(dir, """
        server = "https://upstream.example"
        [host."https://b.example"]
          capabilities = ["pull"]
          header = { X-Team = "a", X-Many = ["1", "2"] }
        [host."http://a.example:5000"]
          capabilities = ["pull", "resolve"]
          dial_timeout = "1m30s"
        [host."https://push-only.example"]
          capabilities = ["push"]
        """);
    assertEquals(3, e.size(), "a host that can neither pull nor resolve is not tried: " + e);
    assertEquals(URI.create("https://b.example/v2"), e.get(0).root());
    assertTrue(e.get(0).pull());
    assertFalse(e.get(0).resolve());
    assertEquals(Map.of("X-Team", List.of("a"), "X-Many", List.of("1", "2")), e.get(0).headers());
    assertEquals(URI.create("http://a.example:5000/v2"), e.get(1).root());
    assertTrue(e.get(1).resolve());
    assertEquals(Duration.ofSeconds(90), e.get(1).dialTimeout());
    assertEquals(URI.create("https://upstream.example/v2"), e.get(2).root());
    assertTrue(e.get(2).pull() && e.get(2).resolve());
    assertNull(e.get(2).tls());
  }

  @Test
  void withoutServer_theHostItselfIsLast_andTlsSettingsMakeItHttps() {
    assertEquals(List.of(OWN), parse(dir, "").stream().map(RegistryEndpoint::root).toList());
    URI loopback = URI.create("http://127.0.0.1:5000/v2");
    List<RegistryEndpoint> e = HostsDirectory.parse(dir, "skip_verify = true\n".getBytes(StandardCharsets.UTF_8),
        loopback, new ArrayList<>());
    assertEquals(URI.create("https://127.0.0.1:5000/v2"), e.getFirst().root());
    assertNotNull(e.getFirst().tls());
  }

  @Test
  void mistakes_areRefused_withWhatIsWrong() {
    assertMessage("unknown key 'mirrors'", "mirrors = [\"x\"]\n");
    assertMessage("unknown key 'sever'", "[host.\"https://m\"]\nsever = \"x\"\n");
    assertMessage("unknown capability \"pul\"", "capabilities = [\"pul\"]\n");
    assertMessage("skip_verify: expected true or false", "skip_verify = \"yes\"\n");
    assertMessage("not valid TOML", "server = \n");
    assertMessage("is not a duration", "dial_timeout = \"10\"\n");
    assertMessage("\"Authorization\" cannot be set here", "header = { Authorization = \"Basic x\" }\n");
    assertMessage("control characters", "header = { X-A = \"a\\nb\" }\n");
    assertMessage("no host here may pull or resolve", "capabilities = [\"push\"]\n");
    assertMessage("cannot read CA file", "ca = \"missing.pem\"\n");
    assertMessage("client: each entry is a file or a [cert, key] pair", "client = [[\"a\"]]\n");
  }

  private void assertMessage(String expected, String toml) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(dir, toml));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void durations_asGoWritesThem() {
    assertEquals(Duration.ofMillis(500), HostsDirectory.duration("500ms", "t"));
    assertEquals(Duration.ofMinutes(59).plusSeconds(30), HostsDirectory.duration("59m30s", "t"));
    assertThrows(IllegalArgumentException.class, () -> HostsDirectory.duration("1h1m", "t"));
    assertEquals(Duration.ofMillis(1500), HostsDirectory.duration("1.5s", "t"));
    assertThrows(IllegalArgumentException.class, () -> HostsDirectory.duration("2h", "t"));
    assertThrows(IllegalArgumentException.class, () -> HostsDirectory.duration("s", "t"));
  }

  @Test
  void aChangedFile_isReadAgain_andABrokenOneNamesItself() throws Exception {
    Path host = Files.createDirectories(dir.resolve("registry.example"));
    HostsDirectory hosts = new HostsDirectory(List.of(dir.resolve("absent"), dir));
    assertNull(hosts.endpoints("other.example", OWN), "no directory: jcri's own defaults apply");
    Files.writeString(host.resolve("hosts.toml"), "server = \"https://one.example\"\n");
    assertEquals(URI.create("https://one.example/v2"), hosts.endpoints("registry.example", OWN).getLast().root());
    Files.writeString(host.resolve("hosts.toml"), "server = \"https://second.example\"\n");
    assertEquals(URI.create("https://second.example/v2"), hosts.endpoints("registry.example", OWN).getLast().root());
    Files.writeString(host.resolve("hosts.toml"), "server = 1\n");
    FailedPreconditionException e = assertThrows(FailedPreconditionException.class,
        () -> hosts.endpoints("registry.example", OWN));
    assertTrue(e.getMessage().contains(host.resolve("hosts.toml").toString()) && e.getMessage().contains("server"),
        e.getMessage());

    Files.createDirectories(dir.resolve("_default"));
    Files.writeString(dir.resolve("_default/hosts.toml"), "server = \"https://fallback.example\"\n");
    assertEquals(URI.create("https://fallback.example/v2"), hosts.endpoints("other.example", OWN).getLast().root());
  }

  @Test
  void mirrorsInJcriToml_andAHostsDirectory_forOneHost_areRefused() throws Exception {
    Files.createDirectories(dir.resolve("registry.example"));
    RegistryHosts both = new RegistryHosts(Map.of("registry.example", List.of("https://m.example")), Set.of(),
        new HostsDirectory(List.of(dir)));
    FailedPreconditionException e = assertThrows(FailedPreconditionException.class,
        () -> both.endpoints("registry.example"));
    assertTrue(e.getMessage().contains("configured twice"), e.getMessage());
    RegistryHosts mirrorsOnly = new RegistryHosts(Map.of("docker.io", List.of("http://127.0.0.1:5000/")), Set.of(),
        new HostsDirectory(List.of(dir)));
    assertEquals(List.of(URI.create("http://127.0.0.1:5000/v2"), URI.create("https://registry-1.docker.io/v2")),
        mirrorsOnly.endpoints("docker.io").stream().map(RegistryEndpoint::root).toList());
  }
}
