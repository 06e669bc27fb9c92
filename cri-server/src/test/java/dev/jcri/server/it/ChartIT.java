package dev.jcri.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jcri.server.config.ConfigLoader;
import dev.jcri.server.config.JcriConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Helm chart renders, and the jcri.toml it renders is a configuration jcri accepts. */
class ChartIT {

  static final Path CHART = Path.of("../helm/jcri").toAbsolutePath().normalize();

  static String helm(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("helm"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), "helm " + String.join(" ", args) + ":\n" + out);
    return out;
  }

  static boolean helmPresent() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, "helm"))) {
        return true;
      }
    }
    return false;
  }

  @Test
  void chartFilesParse_andItsDefaultConfigIsOneJcriAccepts() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper yaml = new com.fasterxml.jackson.databind.ObjectMapper(
        new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    var chart = yaml.readTree(CHART.resolve("Chart.yaml").toFile());
    assertEquals("jcri", chart.path("name").asText());
    assertEquals("v2", chart.path("apiVersion").asText());
    var values = yaml.readTree(CHART.resolve("values.yaml").toFile());
    // The values' config section, as TOML, must load as jcri's configuration: same keys, same types.
    String toml = new com.fasterxml.jackson.dataformat.toml.TomlMapper().writeValueAsString(values.path("config"));
    JcriConfig c = ConfigLoader.fromToml(toml, "values.yaml");
    assertEquals("/run/jcri/jcri.sock", c.socket());
    assertEquals(false, c.cni().defaultNetwork());
    Process sh = new ProcessBuilder("sh", "-n", CHART.resolve("../image/install.sh").normalize().toString())
        .redirectErrorStream(true).start();
    String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, sh.waitFor(), "install.sh parses: " + out);
  }

  @Test
  void chartLintsAndRendersAConfigJcriAccepts() throws Exception {
    assumeTrue(helmPresent(), "no helm binary on this machine (not a Debian package); chart not rendered here");
    helm("lint", CHART.toString(), "--strict");
    String out = helm("template", "t", CHART.toString(), "--set", "metrics.enabled=true",
        "--set", "config.metrics.address=0.0.0.0:9090",
        "--set-json", "config.registry.mirrors={\"docker.io\":{\"endpoints\":[\"http://127.0.0.1:5000\"]}}");
    for (String kind : List.of("kind: ConfigMap", "kind: DaemonSet", "kind: Service")) {
      assertTrue(out.contains(kind), kind + " in:\n" + out);
    }
    StringBuilder toml = new StringBuilder();
    boolean in = false;
    for (String line : out.split("\n")) {
      if (line.strip().equals("jcri.toml: |")) {
        in = true;
      } else if (in && (line.startsWith("    ") || line.isBlank())) {
        toml.append(line.length() >= 4 ? line.substring(4) : "").append('\n');
      } else if (in) {
        break;
      }
    }
    JcriConfig c = ConfigLoader.fromToml(toml.toString(), "chart");
    assertEquals("/run/jcri/jcri.sock", c.socket());
    assertEquals("0.0.0.0:9090", c.metrics().address());
    assertEquals(List.of("http://127.0.0.1:5000"), c.registry().mirrors().get("docker.io").endpoints());
    assertEquals(false, c.cni().defaultNetwork());
  }
}
