package dev.jcri.sandbox.pod;

import dev.jcri.common.InvalidArgumentException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which sysctls a pod may set: only namespaced ones, net.* in its own network namespace and the IPC ones
 * (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*) in its own IPC namespace. A key or value that could
 * smuggle in another setting (the CVE-2022-0811 class: '+', '=', newlines, NUL) is refused.
 */
final class Sysctls {

  private static final Pattern KEY = Pattern.compile("[a-z0-9_][a-z0-9_.\\-/]*");

  private Sysctls() {}

  /** Validates and normalises (slashes to dots) the pod's sysctls. */
  static Map<String, String> validate(Map<String, String> sysctls, boolean ownNet, boolean ownIpc) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : sysctls.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      if (!KEY.matcher(key).matches() || key.contains("..")) {
        throw new InvalidArgumentException("sysctl key \"" + printable(key) + "\" is not a sysctl name"
            + " (lowercase letters, digits, '_', '-', '.' or '/')");
      }
      if (value.isEmpty() || value.chars().anyMatch(c -> c == '+' || c == '=' || c == '\n' || c == '\r' || c == 0)) {
        throw new InvalidArgumentException("sysctl " + key + " has a value \"" + printable(value)
            + "\" with '+', '=', a newline or NUL, which could set another sysctl; refused");
      }
      String dotted = key.replace('/', '.');
      boolean net = dotted.startsWith("net.");
      boolean ipc = dotted.startsWith("kernel.shm") || dotted.startsWith("kernel.msg") || dotted.equals("kernel.sem")
          || dotted.startsWith("fs.mqueue.");
      if (!net && !ipc) {
        throw new InvalidArgumentException("sysctl " + dotted + " is not namespaced; a pod may set only net.*,"
            + " kernel.shm*, kernel.msg*, kernel.sem and fs.mqueue.*");
      }
      if (net && !ownNet) {
        throw new InvalidArgumentException("sysctl " + dotted + " needs the pod's own network namespace, but the pod"
            + " uses the node's network");
      }
      if (ipc && !ownIpc) {
        throw new InvalidArgumentException("sysctl " + dotted + " needs the pod's own IPC namespace, but the pod uses"
            + " the node's IPC");
      }
      out.put(dotted, value);
    }
    return out;
  }

  private static String printable(String s) {
    return s.replace("\n", "\\n").replace("\0", "\\0");
  }
}
