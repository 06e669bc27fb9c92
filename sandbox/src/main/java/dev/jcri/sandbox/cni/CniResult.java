package dev.jcri.sandbox.cni;

import java.util.List;

/**
 * What CNI ADD gave a pod: its IP addresses (IPv4 first when there is one) and the raw result, which DEL
 * needs again.
 */
public record CniResult(String network, List<String> ips, String rawResult) {

  public CniResult {
    ips = List.copyOf(ips);
  }
}
