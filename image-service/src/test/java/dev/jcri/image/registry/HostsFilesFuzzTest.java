package dev.jcri.image.registry;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jcri.image.testing.FuzzInput;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node's hosts.toml files and PEM files: whatever they hold, parsing gives endpoints that are http(s) URLs
 * with a host and that may pull or resolve, or refuses with IllegalArgumentException (which names the problem);
 * PEM keys and certificates parse or are refused the same way, never another exception.
 */
class HostsFilesFuzzTest {

  static final List<String> TOML = List.of("server = ", "\"https://m.example\"", "\"http://127.0.0.1:5000/x\"",
      "\"ftp://m\"", "[host.\"https://a.example\"]", "[host.\"b\"]", "\n", "capabilities = ", "[\"pull\"]",
      "[\"resolve\", \"push\"]", "[]", "override_path = ", "true", "skip_verify = ", "false", "header = ",
      "{ X-A = \"1\" }", "{ X-B = [\"1\", \"2\"] }", "dial_timeout = ", "\"3s\"", "\"1h1m\"", "1", "\"", "[",
      "]", "=", "ca = ", "client = ", "[[\"a\", \"b\"]]", "host = ", "{}");
  static final List<String> PEM = List.of("-----BEGIN PRIVATE KEY-----\n", "-----END PRIVATE KEY-----\n",
      "-----BEGIN EC PRIVATE KEY-----\n", "-----END EC PRIVATE KEY-----\n", "-----BEGIN RSA PRIVATE KEY-----\n",
      "-----END RSA PRIVATE KEY-----\n", "-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
      "MHcCAQEEI", "oAoGCCqGSM49AwEHoUQDQgAE", "MIIB", "====", "\n", "AAAA");

  static void target(FuzzInput in) {
    String toml = in.bool() ? FuzzInput.joined(in, TOML, 14) : in.text(200);
    try {
      List<RegistryEndpoint> endpoints = HostsDirectory.parse(Path.of("/nonexistent-jcri-fuzz"),
          toml.getBytes(StandardCharsets.UTF_8), URI.create("https://own.example/v2"), new ArrayList<>());
      assertFalse(endpoints.isEmpty(), toml);
      for (RegistryEndpoint e : endpoints) {
        assertTrue(e.root().getScheme().equals("https") || e.root().getScheme().equals("http"), toml);
        assertTrue(e.root().getHost() != null && (e.pull() || e.resolve()), toml);
      }
    } catch (IllegalArgumentException refused) {
      assertTrue(refused.getMessage() != null && !refused.getMessage().isEmpty(), toml);
    }

    byte[] pem;
    if (in.bool()) {
      pem = FuzzInput.joined(in, PEM, 8).getBytes(StandardCharsets.US_ASCII);
    } else {
      byte[] der = in.bytes(120);
      pem = ("-----BEGIN " + (in.bool() ? "EC" : "RSA") + " PRIVATE KEY-----\n"
          + Base64.getMimeEncoder().encodeToString(der) + "\n-----END " + (in.bool() ? "EC" : "RSA")
          + " PRIVATE KEY-----\n").getBytes(StandardCharsets.US_ASCII);
    }
    try {
      Pem.privateKey(pem);
    } catch (IllegalArgumentException refused) {
      // refused, as it should be
    }
    try {
      Pem.certificates(pem);
    } catch (IllegalArgumentException refused) {
      // refused, as it should be
    }
  }

  @FuzzTest(maxDuration = "2m")
  void fuzz(FuzzedDataProvider data) {
    target(FuzzInput.of(data));
  }

  @Test
  void randomInputs() {
    FuzzInput.runRandom(3000, 29, HostsFilesFuzzTest::target);
  }
}
