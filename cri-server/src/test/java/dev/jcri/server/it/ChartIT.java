package dev.jcri.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.jcri.server.config.ConfigLoader;
import dev.jcri.server.config.JcriConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart, linted and rendered by Helm itself (in-process, through helm-java), and the jcri.toml it
 * renders loaded as jcri loads its configuration.
 */
class ChartIT {

  static final Path CHART = Path.of("../helm/jcri").toAbsolutePath().normalize();

  @TempDir Path dir;

  static String render(UnaryOperator<TemplateCommand> options) {
    return options.apply(new Helm(CHART).template().withName("t")).call();
  }

  /** The jcri.toml of the rendered ConfigMap. */
  static String toml(String rendered) {
    StringBuilder toml = new StringBuilder();
    boolean in = false;
    for (String line : rendered.split("\n")) {
      if (line.strip().equals("jcri.toml: |")) {
        in = true;
      } else if (in && (line.startsWith("    ") || line.isBlank())) {
        toml.append(line.length() >= 4 ? line.substring(4) : "").append('\n');
      } else if (in) {
        break;
      }
    }
    return toml.toString();
  }

  static JcriConfig config(String rendered) {
    return ConfigLoader.fromToml(toml(rendered), "chart");
  }

  @Test
  void chartFilesParse_andItsDefaultConfigIsOneJcriAccepts() throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    var chart = yaml.readTree(CHART.resolve("Chart.yaml").toFile());
    assertEquals("jcri", chart.path("name").asText());
    assertEquals("v2", chart.path("apiVersion").asText());
    var values = yaml.readTree(CHART.resolve("values.yaml").toFile());
    // The values' config section, as TOML, must load as jcri's configuration: same keys, same types.
    JcriConfig c = ConfigLoader.fromToml(new TomlMapper().writeValueAsString(values.path("config")), "values.yaml");
    assertEquals("/run/jcri/jcri.sock", c.socket());
    assertEquals(false, c.cni().defaultNetwork());
    Process sh = new ProcessBuilder("sh", "-n", CHART.resolve("../image/install.sh").normalize().toString())
        .redirectErrorStream(true).start();
    String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, sh.waitFor(), "install.sh parses: " + out);
  }

  @Test
  void helmLintStrict_findsNothing() {
    LintResult lint = new Helm(CHART).lint().strict().call();

    assertFalse(lint.isFailed(), String.join("\n", lint.getMessages()));
  }

  @Test
  void defaultRender_hasTheObjectsLabelsProbesAndTheAppVersionImage() throws Exception {
    String out = render(t -> t);

    assertTrue(out.contains("kind: ConfigMap") && out.contains("kind: DaemonSet"), out);
    assertFalse(out.contains("kind: Service"), "no metrics Service unless asked for");
    for (String label : List.of("helm.sh/chart: jcri-0.1.0", "app.kubernetes.io/managed-by: Helm",
        "app.kubernetes.io/name: jcri", "app.kubernetes.io/instance: t")) {
      assertTrue(out.contains(label), label + " in:\n" + out);
    }
    assertTrue(out.contains("image: \"registry.example.com/jcri/installer:0.1.0\""), "tag defaults to appVersion");
    assertTrue(out.contains("readinessProbe:") && out.contains("livenessProbe:"), out);
    assertTrue(out.contains("name: t-jcri\n"), "the DaemonSet is named release-chart");
    JcriConfig c = config(out);
    assertEquals("/run/jcri/jcri.sock", c.socket());
    assertEquals(false, c.cni().defaultNetwork());
  }

  @Test
  void runtimeHandlersAndLargeNumbersFromAValuesFile_renderAsJcriReadsThem() throws Exception {
    Path values = dir.resolve("values.yaml");
    Files.writeString(values, """
        config:
          runtimes:
            runsc:
              path: /usr/bin/runsc
              root: /run/jcri/runsc
          registry:
            max_layer_bytes: 68719476736
            max_image_bytes: 137438953472
            mirrors:
              docker.io:
                endpoints: ["http://127.0.0.1:5000"]
        """);

    String out = render(t -> t.withValuesFile(values).set("config.runtimes.kata.path", "/usr/bin/kata-runtime")
        .set("config.runtimes.kata.root", "/run/jcri/kata"));

    assertFalse(toml(out).contains("e+"), "integers stay integers:\n" + toml(out));
    JcriConfig c = config(out);
    assertEquals(68719476736L, c.registry().maxLayerBytes());
    assertEquals(137438953472L, c.registry().maxImageBytes());
    assertEquals("/usr/bin/runsc", c.runtimes().get("runsc").path());
    assertEquals("/usr/bin/kata-runtime", c.runtimes().get("kata").path());
    assertEquals(List.of("http://127.0.0.1:5000"), c.registry().mirrors().get("docker.io").endpoints());
  }

  @Test
  void metricsEnabled_servesOnTheServicesPort_andAnAddressOnAnotherPortIsRefused() {
    String out = render(t -> t.set("metrics.enabled", true).set("metrics.port", 9191));

    assertTrue(out.contains("kind: Service"), out);
    assertTrue(out.contains("port: 9191"), out);
    assertEquals("0.0.0.0:9191", config(out).metrics().address(), "something behind the Service");

    RuntimeException e = assertThrows(RuntimeException.class, () -> render(t -> t.set("metrics.enabled", true)
        .set("config.metrics.address", "127.0.0.1:1234")));
    assertTrue(e.getMessage().contains("must end in :9090"), e.getMessage());
  }

  @Test
  void nameOverrides_renameTheObjects() {
    assertTrue(render(t -> t.set("fullnameOverride", "runtime")).contains("name: runtime-config"));
    assertTrue(render(t -> t.set("nameOverride", "crt")).contains("name: t-crt\n"));
  }

  @Test
  void valuesOfTheWrongShape_areRefusedByTheSchema() {
    for (var bad : List.of(List.of("metrics.port", "x"), List.of("config.log_level", "loud"),
        List.of("config.socket", "relative.sock"), List.of("imagee.tag", "1"))) {
      RuntimeException e = assertThrows(RuntimeException.class, () -> render(t -> t.set(bad.get(0), bad.get(1))),
          bad.toString());
      assertTrue(e.getMessage().contains("schema"), e.getMessage());
    }
  }
}
