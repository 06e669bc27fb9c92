package dev.jcri.server.config;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Any TOML, sensible or not, either loads or is refused with a ConfigException; nothing else escapes. */
class ConfigFuzzTest {

  @Provide
  Arbitrary<String> tomlish() {
    Arbitrary<String> key = Arbitraries.of("socket", "root", "log_level", "cgroup_driver", "default_runtime",
        "conmon", "port", "address", "tls", "conf_dir", "bin_dirs", "endpoints", "insecure", "nonsense", "a.b",
        "max_concurrent_downloads", "max_layer_bytes");
    Arbitrary<String> value = Arbitraries.of("\"x\"", "1", "-1", "99999999999999999999", "true", "[1, \"a\"]",
        "[]", "{}", "{ a = 1 }", "\"\"", "1.5", "\"debug\"", "\"systemd\"", "nan", "'''", "\"\\u0000\"");
    Arbitrary<String> header = Arbitraries.of("", "[cni]", "[stream]", "[registry]", "[registry.mirrors.\"h\"]",
        "[runtimes.crun]", "[[runtimes]]", "[metrics]", "[tracing]", "[nothing]", "[cni", "[]");
    Arbitrary<String> line = Combinators.combine(header, key, value).as((h, k, v) ->
        (h.isEmpty() ? "" : h + "\n") + k + " = " + v);
    return line.list().ofMaxSize(6).map(l -> String.join("\n", l));
  }

  @Property
  void tomlishText(@ForAll("tomlish") String toml) {
    load(toml);
  }

  @Property
  void anyText(@ForAll String toml) {
    load(toml);
  }

  private static void load(String toml) {
    try {
      ConfigLoader.fromToml(toml, "fuzz");
    } catch (ConfigException refused) {
      // a clear refusal is the expected outcome for most inputs
    }
  }
}
