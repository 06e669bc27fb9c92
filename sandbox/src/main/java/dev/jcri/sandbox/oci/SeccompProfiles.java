package dev.jcri.sandbox.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Seccomp profiles for the OCI spec. RuntimeDefault is an allowlist over EPERM (the shape Docker and
 * containerd ship): common syscalls allowed, the powerful ones only with the capability they belong to,
 * namespace-creating clone flags and clone3 refused unless the container holds CAP_SYS_ADMIN.
 */
public final class SeccompProfiles {

  private static final ObjectMapper JSON = Json.PLAIN;
  private static final JsonNode DEFINITION = load();
  private static final int ENOSYS = 38;

  private SeccompProfiles() {}

  private static JsonNode load() {
    try (InputStream in = SeccompProfiles.class.getResourceAsStream("seccomp-default.json")) {
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("loading the default seccomp profile", e);
    }
  }

  /** The RuntimeDefault profile for a container holding {@code capabilities}. */
  public static ObjectNode runtimeDefault(Collection<String> capabilities) {
    ObjectNode p = JSON.createObjectNode();
    p.put("defaultAction", DEFINITION.path("defaultAction").asText());
    p.put("defaultErrnoRet", DEFINITION.path("defaultErrnoRet").asInt());
    ArrayNode arches = p.putArray("architectures");
    String arch = System.getProperty("os.arch");
    if (arch.equals("aarch64") || arch.equals("arm64")) {
      arches.add("SCMP_ARCH_AARCH64").add("SCMP_ARCH_ARM");
    } else {
      arches.add("SCMP_ARCH_X86_64").add("SCMP_ARCH_X86").add("SCMP_ARCH_X32");
    }
    Set<String> allowed = new LinkedHashSet<>();
    DEFINITION.path("base").forEach(n -> allowed.add(n.asText()));
    DEFINITION.path("gated").properties().forEach(e -> {
      if (capabilities.contains(e.getKey())) {
        e.getValue().forEach(n -> allowed.add(n.asText()));
      }
    });
    boolean sysAdmin = capabilities.contains("CAP_SYS_ADMIN");
    ArrayNode syscalls = p.putArray("syscalls");
    ObjectNode allow = syscalls.addObject();
    ArrayNode names = allow.putArray("names");
    allowed.stream().filter(n -> sysAdmin || !n.equals("clone") && !n.equals("clone3")).forEach(names::add);
    allow.put("action", "SCMP_ACT_ALLOW");
    if (!sysAdmin) {
      ObjectNode clone = syscalls.addObject();
      clone.putArray("names").add("clone");
      clone.put("action", "SCMP_ACT_ALLOW");
      ObjectNode arg = clone.putArray("args").addObject();
      arg.put("index", 0);
      arg.put("value", DEFINITION.path("cloneNamespaceMask").asLong());
      arg.put("valueTwo", 0);
      arg.put("op", "SCMP_CMP_MASKED_EQ");
      ObjectNode clone3 = syscalls.addObject();
      clone3.putArray("names").add("clone3");
      clone3.put("action", "SCMP_ACT_ERRNO");
      clone3.put("errnoRet", ENOSYS);
    }
    for (JsonNode value : DEFINITION.path("personality")) {
      ObjectNode personality = syscalls.addObject();
      personality.putArray("names").add("personality");
      personality.put("action", "SCMP_ACT_ALLOW");
      ObjectNode arg = personality.putArray("args").addObject();
      arg.put("index", 0);
      arg.put("value", value.asLong());
      arg.put("op", "SCMP_CMP_EQ");
    }
    return p;
  }

  /** A profile from a file on the node (Localhost profiles), checked to be a seccomp profile. */
  public static JsonNode localhost(String ref) {
    if (ref == null || ref.isEmpty() || !ref.startsWith("/")) {
      throw new InvalidArgumentException("a Localhost seccomp profile needs an absolute path, got \"" + ref + "\"");
    }
    Path file = Path.of(ref);
    try {
      JsonNode profile = JSON.readTree(Files.readAllBytes(file));
      if (!profile.has("defaultAction")) {
        throw new InvalidArgumentException("seccomp profile " + file + " has no defaultAction");
      }
      return profile;
    } catch (IOException e) {
      throw new InvalidArgumentException("cannot read seccomp profile " + file + ": " + e.getMessage());
    }
  }
}
