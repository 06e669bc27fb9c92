package dev.jcri.server.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jcri.common.Json;
import java.nio.charset.StandardCharsets;

/**
 * How a session ended, as the error stream reports it: a Kubernetes {@code Status} object (v4 on), which is
 * how clients learn an exit code, or plain error text for older protocols (nothing on success).
 *
 * @param exitCode the command's exit code, or -1 when it could not run
 * @param error why it could not run, or null
 */
record ExitStatus(int exitCode, String error) {

  private static final ObjectMapper JSON = Json.PLAIN;

  static ExitStatus exited(int code) {
    return new ExitStatus(code, null);
  }

  static ExitStatus failed(String why) {
    return new ExitStatus(-1, why);
  }

  boolean success() {
    return error == null && exitCode == 0;
  }

  byte[] encode(boolean structured) {
    if (!structured) {
      if (success()) {
        return new byte[0];
      }
      return message().getBytes(StandardCharsets.UTF_8);
    }
    ObjectNode status = JSON.createObjectNode();
    status.putObject("metadata");
    if (success()) {
      status.put("status", "Success");
    } else if (error == null) {
      status.put("status", "Failure");
      status.put("message", message());
      status.put("reason", "NonZeroExitCode");
      status.putObject("details").putArray("causes").addObject().put("reason", "ExitCode")
          .put("message", Integer.toString(exitCode));
    } else {
      status.put("status", "Failure");
      status.put("message", error);
      status.put("reason", "InternalError");
      status.put("code", 500);
      status.putObject("details").putArray("causes").addObject().put("message", error);
    }
    try {
      return JSON.writeValueAsBytes(status);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private String message() {
    return error != null ? error : "command terminated with non-zero exit code: exit status " + exitCode;
  }
}
