package dev.jcri.sandbox.pod;

import dev.jcri.sandbox.cgroup.CgroupResources;
import dev.jcri.sandbox.cni.PortMapping;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a pod is asked to be: the parts of the CRI PodSandboxConfig jcri acts on, free of protobuf.
 *
 * @param overhead resources the runtime itself needs for the pod, added to {@code resources}
 */
public record PodSpec(
    String name,
    String namespace,
    String uid,
    int attempt,
    String hostname,
    String logDirectory,
    Dns dns,
    List<PortMapping> portMappings,
    Map<String, String> labels,
    Map<String, String> annotations,
    String cgroupParent,
    NamespaceMode network,
    NamespaceMode pid,
    NamespaceMode ipc,
    Map<String, String> sysctls,
    String runtimeHandler,
    CgroupResources overhead,
    CgroupResources resources) {

  public PodSpec {
    portMappings = List.copyOf(portMappings);
    labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    annotations = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
    sysctls = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sysctls));
    overhead = overhead == null ? CgroupResources.NONE : overhead;
    resources = resources == null ? CgroupResources.NONE : resources;
  }

  /** DNS settings for the pod's resolv.conf; all empty means "use the host's". */
  public record Dns(List<String> servers, List<String> searches, List<String> options) {
    public Dns {
      servers = List.copyOf(servers);
      searches = List.copyOf(searches);
      options = List.copyOf(options);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isEmpty() {
      return servers.isEmpty() && searches.isEmpty() && options.isEmpty();
    }
  }

  /** The key names are reserved under, as containerd builds it: name, namespace, uid, attempt. */
  public String reservationKey() {
    return name + "_" + namespace + "_" + uid + "_" + attempt;
  }
}
