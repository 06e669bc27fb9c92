package dev.jcri.cri.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Checks the generated CRI descriptors against the facts recorded from the upstream api.proto. */
class WireContractTest {

  private static final FileDescriptor FILE = CriApi.getDescriptor();

  @Test
  void descriptors_matchUpstreamFactsExactly() throws IOException {
    Set<String> expected = new TreeSet<>(upstreamFacts());
    Set<String> actual = new TreeSet<>(describe());

    Set<String> missing = new TreeSet<>(expected);
    missing.removeAll(actual);
    Set<String> extra = new TreeSet<>(actual);
    extra.removeAll(expected);
    assertEquals(Set.of(), missing, "upstream facts missing from our proto");
    assertEquals(Set.of(), extra, "facts in our proto that upstream lacks");
  }

  @Test
  void services_have43Rpcs() {
    int count = FILE.getServices().stream().mapToInt(s -> s.getMethods().size()).sum();
    assertEquals(43, count);
    assertEquals("runtime.v1", FILE.getPackage());
  }

  @Test
  void sampleFieldNumbers_matchUpstream() {
    assertEquals(1, field("PodSandboxConfig", "metadata").getNumber());
    assertEquals(8, field("PodSandboxConfig", "linux").getNumber());
    assertEquals(2, field("RunPodSandboxRequest", "runtime_handler").getNumber());
    assertEquals(3, field("PullImageRequest", "sandbox_config").getNumber());
    assertEquals(4, field("VersionResponse", "runtime_api_version").getNumber());
  }

  private static FieldDescriptor field(String message, String name) {
    return FILE.findMessageTypeByName(message).findFieldByName(name);
  }

  private static List<String> upstreamFacts() throws IOException {
    try (InputStream in = WireContractTest.class.getResourceAsStream("/upstream-cri-v1.facts")) {
      List<String> facts = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          facts.add(line.strip());
        }
      }
      return facts;
    }
  }

  private static List<String> describe() {
    List<String> facts = new ArrayList<>();
    for (ServiceDescriptor service : FILE.getServices()) {
      for (MethodDescriptor m : service.getMethods()) {
        facts.add(String.join(" ", "rpc", service.getName(), m.getName(),
            "." + m.getInputType().getFullName(), "." + m.getOutputType().getFullName(),
            Boolean.toString(m.isClientStreaming()), Boolean.toString(m.isServerStreaming())));
      }
    }
    for (Descriptor message : FILE.getMessageTypes()) {
      describe(message, message.getName(), facts);
    }
    for (EnumDescriptor e : FILE.getEnumTypes()) {
      describe(e, e.getName(), facts);
    }
    return facts;
  }

  private static void describe(Descriptor message, String path, List<String> facts) {
    for (FieldDescriptor f : message.getFields()) {
      String typeName = switch (f.getType()) {
        case MESSAGE -> " ." + f.getMessageType().getFullName();
        case ENUM -> " ." + f.getEnumType().getFullName();
        default -> "";
      };
      String label = f.isRepeated() ? "LABEL_REPEATED" : "LABEL_OPTIONAL";
      facts.add("field " + path + " " + f.getName() + " " + f.getNumber() + " " + label
          + " TYPE_" + f.getType().name() + typeName);
    }
    for (Descriptor nested : message.getNestedTypes()) {
      describe(nested, path + "." + nested.getName(), facts);
    }
    for (EnumDescriptor e : message.getEnumTypes()) {
      describe(e, path + "." + e.getName(), facts);
    }
  }

  private static void describe(EnumDescriptor e, String path, List<String> facts) {
    e.getValues().forEach(v -> facts.add("enum " + path + " " + v.getName() + " " + v.getNumber()));
  }
}
