package dev.jcri.server.config;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jcri.image.testing.FuzzInput;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Any TOML, sensible or not, either loads or is refused with a ConfigException; nothing else escapes. */
class ConfigFuzzTest {

  static final List<String> KEYS = List.of("socket", "root", "log_level", "cgroup_driver", "default_runtime",
      "conmon", "port", "address", "tls", "conf_dir", "bin_dirs", "endpoints", "insecure", "nonsense", "a.b",
      "max_concurrent_downloads", "max_layer_bytes", "max_image_bytes", "idle_timeout_seconds");
  static final List<String> VALUES = List.of("\"x\"", "1", "-1", "99999999999999999999", "true", "[1, \"a\"]",
      "[]", "{}", "{ a = 1 }", "\"\"", "1.5", "\"debug\"", "\"systemd\"", "nan", "'''", "\"\\u0000\"");
  static final List<String> HEADERS = List.of("", "[cni]", "[stream]", "[registry]", "[registry.mirrors.\"h\"]",
      "[runtimes.crun]", "[[runtimes]]", "[metrics]", "[tracing]", "[nothing]", "[cni", "[]");

  /** TOML-ish lines of known sections, keys and values, or any text at all. */
  static void target(FuzzInput in) {
    if (!in.bool()) {
      load(in.text(500));
      return;
    }
    StringBuilder toml = new StringBuilder();
    int lines = in.intIn(0, 6);
    for (int i = 0; i < lines; i++) {
      String h = in.pick(HEADERS);
      toml.append(h.isEmpty() ? "" : h + "\n").append(in.pick(KEYS)).append(" = ").append(in.pick(VALUES))
          .append('\n');
    }
    load(toml.toString());
  }

  @FuzzTest(maxDuration = "2m")
  void fuzz(FuzzedDataProvider data) {
    target(FuzzInput.of(data));
  }

  @Test
  void randomInputs() {
    FuzzInput.runRandom(1000, 13, ConfigFuzzTest::target);
  }

  private static void load(String toml) {
    try {
      ConfigLoader.fromToml(toml, "fuzz");
    } catch (ConfigException refused) {
      // a clear refusal is the expected outcome for most inputs
    }
  }
}
