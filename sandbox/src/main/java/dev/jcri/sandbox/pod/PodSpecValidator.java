package dev.jcri.sandbox.pod;

import dev.jcri.common.InvalidArgumentException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** What RunPodSandbox refuses before it makes anything, and the pod's host name. */
public final class PodSpecValidator {

  private PodSpecValidator() {}

  static void validate(PodSpec spec, Set<String> runtimeHandlers) {
    if (spec.name().isEmpty() || spec.namespace().isEmpty() || spec.uid().isEmpty()) {
      throw new InvalidArgumentException("pod metadata needs name, namespace and uid (got name \"" + spec.name()
          + "\", namespace \"" + spec.namespace() + "\", uid \"" + spec.uid() + "\")");
    }
    if (!spec.logDirectory().isEmpty() && (!spec.logDirectory().startsWith("/")
        || Path.of(spec.logDirectory()).normalize().toString().length() != spec.logDirectory().replaceAll("/+$", "")
            .length() || spec.logDirectory().indexOf('\0') >= 0)) {
      throw new InvalidArgumentException("log_directory \"" + spec.logDirectory() + "\" must be an absolute, normalised"
          + " path");
    }
    for (String label : List.of(spec.name(), spec.namespace(), spec.uid())) {
      if (label.length() > 253 || label.chars().anyMatch(ch -> ch < 0x20)) {
        throw new InvalidArgumentException("pod metadata name, namespace and uid are at most 253 printable"
            + " characters");
      }
    }
    if (!spec.runtimeHandler().isEmpty() && !runtimeHandlers.contains(spec.runtimeHandler())) {
      throw new InvalidArgumentException("runtime handler \"" + spec.runtimeHandler() + "\" is not configured"
          + " (configured: " + String.join(", ", runtimeHandlers.stream().sorted().toList()) + ")");
    }
    if (spec.network() == NamespaceMode.CONTAINER || spec.network() == NamespaceMode.TARGET
        || spec.ipc() == NamespaceMode.CONTAINER || spec.ipc() == NamespaceMode.TARGET) {
      throw new InvalidArgumentException("a pod's network and IPC namespaces are POD or NODE");
    }
    if (spec.ownUserNamespace() && (spec.network() == NamespaceMode.NODE || spec.ipc() == NamespaceMode.NODE)) {
      throw new InvalidArgumentException("a pod with its own user namespace cannot use the node's network or IPC"
          + " namespace");
    }
    for (var p : spec.portMappings()) {
      if (p.containerPort() <= 0 || p.containerPort() > 65535 || p.hostPort() < 0 || p.hostPort() > 65535) {
        throw new InvalidArgumentException("port mapping " + p.hostPort() + "->" + p.containerPort()
            + " is out of range 1..65535");
      }
    }
    if (!spec.hostname().isEmpty() && !spec.hostname().matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,62})")) {
      throw new InvalidArgumentException("hostname \"" + spec.hostname().replaceAll("\\p{Cntrl}", "?")
          + "\" is not a valid host name (at most 64 letters, digits, '-' and '.')");
    }
    validateDns(spec.dns());
  }

  /**
   * Each DNS entry becomes a word of the pod's resolv.conf: a newline or other control character would add lines
   * of the pod author's choosing (another nameserver), so entries are single words of printable characters.
   */
  public static void validateDns(PodSpec.Dns dns) {
    for (String server : dns.servers()) {
      if (!server.matches("[0-9A-Fa-f.:]{2,45}(%[A-Za-z0-9_.-]{1,15})?")) {
        throw new InvalidArgumentException("DNS server \"" + server.replaceAll("\\p{Cntrl}", "?")
            + "\" is not an IP address");
      }
    }
    for (var field : List.of(Map.entry("search domain", dns.searches()),
        Map.entry("option", dns.options()))) {
      for (String v : field.getValue()) {
        if (v.isEmpty() || v.length() > 253 || v.chars().anyMatch(ch -> ch <= 0x20 || ch == 0x7f)) {
          throw new InvalidArgumentException("DNS " + field.getKey() + " \"" + v.replaceAll("\\p{Cntrl}", "?")
              + "\" must be one word of at most 253 printable characters (no spaces, newlines or control"
              + " characters)");
        }
      }
    }
    if (dns.servers().size() + dns.searches().size() + dns.options().size() > 256) {
      throw new InvalidArgumentException("DNS config has more than 256 servers, search domains and options");
    }
  }

  /** The pod's host name: the one asked for, the node's for a host-network pod, else from the pod's name. */
  static String hostname(PodSpec spec) {
    if (!spec.hostname().isEmpty()) {
      return spec.hostname();
    }
    if (spec.network() == NamespaceMode.NODE) {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        return "localhost";
      }
    }
    String n = spec.name().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
    return n.length() > 63 ? n.substring(0, 63) : n;
  }
}
