package dev.jcri.image.registry;

import dev.jcri.common.FailedPreconditionException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the images of one registry host are fetched from: the mirrors jcri.toml lists for it, then the host
 * itself over HTTPS, or plain HTTP when it is listed as insecure or is a loopback address (as Docker allows);
 * or, for a host jcri.toml lists no mirrors for, what its hosts directory ({@link HostsDirectory}) says.
 */
public final class RegistryHosts {

  private final Map<String, List<String>> mirrors;
  private final Set<String> insecure;
  private final HostsDirectory directory;

  public RegistryHosts(Map<String, List<String>> mirrors, Set<String> insecure) {
    this(mirrors, insecure, HostsDirectory.none());
  }

  public RegistryHosts(Map<String, List<String>> mirrors, Set<String> insecure, HostsDirectory directory) {
    this.mirrors = Map.copyOf(mirrors);
    this.insecure = Set.copyOf(insecure);
    this.directory = directory;
  }

  public static RegistryHosts direct() {
    return new RegistryHosts(Map.of(), Set.of());
  }

  /** The endpoints of {@code domain} in the order they are tried; the host's own (or its server) is last. */
  public List<RegistryEndpoint> endpoints(String domain) {
    URI own = ownRoot(domain);
    List<String> listed = mirrors.get(domain);
    if (listed == null) {
      List<RegistryEndpoint> configured = directory.endpoints(domain, own);
      if (configured != null) {
        return configured;
      }
    } else {
      Path dir = directory.directory(domain);
      if (dir != null && !dir.getFileName().toString().equals("_default")) {
        throw new FailedPreconditionException("registry " + domain + " is configured twice: by"
            + " registry.mirrors in jcri's configuration and by " + dir + "; keep one");
      }
    }
    List<RegistryEndpoint> out = new ArrayList<>();
    for (String m : listed == null ? List.<String>of() : listed) {
      out.add(RegistryEndpoint.of(HostsDirectory.root(m, false, "mirror of " + domain)));
    }
    out.add(RegistryEndpoint.of(own));
    return out;
  }

  /** The registry host's own API root, as reached without a hosts directory. */
  private URI ownRoot(String domain) {
    String host = domain.equals("docker.io") ? "registry-1.docker.io" : domain;
    return URI.create((plainHttp(domain) ? "http://" : "https://") + host + "/v2");
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
