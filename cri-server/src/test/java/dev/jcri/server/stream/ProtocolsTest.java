package dev.jcri.server.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProtocolsTest {

  @Test
  void clientsOrderWinsAmongWhatTheServerSpeaks() {
    assertEquals(Optional.of("v4.channel.k8s.io"), Protocols.negotiate(
        List.of("v4.channel.k8s.io", "v5.channel.k8s.io"), Protocols.SPDY_COMMAND));
    assertEquals(Optional.of(""), Protocols.negotiate(List.of(), Protocols.SPDY_COMMAND), "a v1 client names none");
    assertEquals(Optional.empty(), Protocols.negotiate(List.of("v9.channel.k8s.io"), Protocols.SPDY_COMMAND));
    assertEquals(List.of("a", "b", "c"), Protocols.values(List.of("a, b", "c")));
  }

  @Test
  void structuredStatusFromV4On() {
    assertTrue(Protocols.structuredStatus("v4.channel.k8s.io"));
    assertTrue(Protocols.structuredStatus("v5.channel.k8s.io"));
    assertFalse(Protocols.structuredStatus("v3.channel.k8s.io"));
    assertFalse(Protocols.resizable("v2.channel.k8s.io", false));
    assertTrue(Protocols.resizable("v3.channel.k8s.io", false));
  }

  @Test
  void exitStatusEncodings() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode ok = json.readTree(ExitStatus.exited(0).encode(true));
    assertEquals("Success", ok.path("status").asText());
    JsonNode code = json.readTree(ExitStatus.exited(42).encode(true));
    assertEquals("NonZeroExitCode", code.path("reason").asText());
    assertEquals("42", code.at("/details/causes/0/message").asText());
    JsonNode failed = json.readTree(ExitStatus.failed("container c is not running").encode(true));
    assertEquals("Failure", failed.path("status").asText());
    assertEquals("container c is not running", failed.path("message").asText());
    assertEquals(0, ExitStatus.exited(0).encode(false).length, "old protocols say nothing on success");
    assertTrue(new String(ExitStatus.exited(3).encode(false)).contains("exit status 3"));
  }
}
