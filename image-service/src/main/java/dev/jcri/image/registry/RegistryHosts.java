package dev.jcri.image.registry;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the images of one registry host are fetched from: its mirrors in order, then the host itself over
 * HTTPS, or plain HTTP when it is listed as insecure or is a loopback address (as Docker allows).
 */
public final class RegistryHosts {

  private final Map<String, List<String>> mirrors;
  private final Set<String> insecure;

  public RegistryHosts(Map<String, List<String>> mirrors, Set<String> insecure) {
    this.mirrors = Map.copyOf(mirrors);
    this.insecure = Set.copyOf(insecure);
  }

  public static RegistryHosts direct() {
    return new RegistryHosts(Map.of(), Set.of());
  }

  /** Base URIs, each ending before {@code /v2/}. */
  public List<URI> endpoints(String domain) {
    List<URI> out = new ArrayList<>();
    for (String m : mirrors.getOrDefault(domain, List.of())) {
      out.add(URI.create(m.endsWith("/") ? m.substring(0, m.length() - 1) : m));
    }
    String host = domain.equals("docker.io") ? "registry-1.docker.io" : domain;
    out.add(URI.create((plainHttp(domain) ? "http://" : "https://") + host));
    return out;
  }

  boolean plainHttp(String domain) {
    return insecure.contains(domain) || isLoopback(domain);
  }

  static boolean isLoopback(String domain) {
    String host = domain;
    if (host.startsWith("[")) {
      host = host.substring(1, host.indexOf(']'));
    } else if (host.indexOf(':') >= 0) {
      host = host.substring(0, host.lastIndexOf(':'));
    }
    if (host.equals("localhost")) {
      return true;
    }
    if (!host.matches("[0-9.]+") && !host.contains(":")) {
      return false;
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
