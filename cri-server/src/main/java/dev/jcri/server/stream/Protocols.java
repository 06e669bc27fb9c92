package dev.jcri.server.stream;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The sub-protocols of Kubernetes' streaming API that jcri speaks, and how one is chosen. */
final class Protocols {

  static final String V1 = "channel.k8s.io";
  static final String V2 = "v2.channel.k8s.io";
  static final String V3 = "v3.channel.k8s.io";
  static final String V4 = "v4.channel.k8s.io";
  static final String V5 = "v5.channel.k8s.io";
  static final String BASE64_V1 = "base64.channel.k8s.io";
  static final String BASE64_V4 = "v4.base64.channel.k8s.io";
  static final String PORT_FORWARD = "portforward.k8s.io";

  /** Exec and attach over SPDY, best first. */
  static final List<String> SPDY_COMMAND = List.of(V5, V4, V3, V2, V1);
  static final List<String> SPDY_PORT_FORWARD = List.of(PORT_FORWARD);
  static final List<String> WS_COMMAND = List.of(V5, V4, BASE64_V4, V1, BASE64_V1);
  static final List<String> WS_PORT_FORWARD = List.of(V4, BASE64_V4, PORT_FORWARD);

  private Protocols() {}

  /** The first of the client's protocols the server speaks ("" when the client names none: a v1 client). */
  static Optional<String> negotiate(List<String> client, List<String> server) {
    if (client.isEmpty()) {
      return Optional.of("");
    }
    return client.stream().filter(server::contains).findFirst();
  }

  /** Whether the exit is reported as a structured Status (v4 on) rather than as plain error text. */
  static boolean structuredStatus(String protocol) {
    return protocol.equals(V4) || protocol.equals(V5) || protocol.equals(BASE64_V4);
  }

  /** Whether the client may resize a terminal (v3 on; every WebSocket protocol). */
  static boolean resizable(String protocol, boolean webSocket) {
    return webSocket || !(protocol.isEmpty() || protocol.equals(V1) || protocol.equals(V2));
  }

  static boolean base64(String protocol) {
    return protocol.equals(BASE64_V1) || protocol.equals(BASE64_V4);
  }

  /** Splits header values that may be repeated or comma-separated. */
  static List<String> values(List<String> headers) {
    return headers.stream().flatMap(h -> Arrays.stream(h.split(","))).map(String::strip)
        .filter(v -> !v.isEmpty()).toList();
  }
}
