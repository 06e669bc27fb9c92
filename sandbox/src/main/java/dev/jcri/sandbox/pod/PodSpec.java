package dev.jcri.sandbox.pod;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.sandbox.cgroup.CgroupResources;
import dev.jcri.sandbox.cni.PortMapping;
import dev.jcri.sandbox.oci.OciSpec;
import java.util.Collections;
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
    CgroupResources resources,
    UserNamespace userns) {

  public PodSpec {
    portMappings = List.copyOf(portMappings);
    labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    annotations = Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
    sysctls = Collections.unmodifiableMap(new LinkedHashMap<>(sysctls));
    overhead = overhead == null ? CgroupResources.NONE : overhead;
    resources = resources == null ? CgroupResources.NONE : resources;
  }

  /** Whether the pod has a user namespace of its own (kubelet's hostUsers: false). */
  public boolean ownUserNamespace() {
    return userns != null;
  }

  /** One range of ids: {@code length} ids from {@code containerId} inside are {@code hostId} on the node. */
  public record IdMapping(long containerId, long hostId, long length) {
    public IdMapping {
      if (length <= 0 || containerId < 0 || hostId < 0 || containerId + length > 1L << 32 || hostId + length > 1L << 32) {
        throw new InvalidArgumentException("id mapping " + containerId + ":" + hostId + ":" + length
            + " is not a range of 32-bit ids");
      }
      if (hostId == 0) {
        throw new InvalidArgumentException("id mapping " + containerId + ":" + hostId + ":" + length
            + " maps the node's root into the pod; a pod user namespace must map unprivileged ids");
      }
    }

    String line() {
      return containerId + " " + hostId + " " + length;
    }
  }

  /** The pod's user namespace: its uid and gid mappings (at most 340 lines each, as the kernel allows). */
  public record UserNamespace(List<IdMapping> uids, List<IdMapping> gids) {
    public UserNamespace {
      uids = List.copyOf(uids);
      gids = List.copyOf(gids);
      if (uids.isEmpty() || gids.isEmpty() || uids.size() > 340 || gids.size() > 340) {
        throw new InvalidArgumentException("a pod user namespace needs 1 to 340 uid and gid"
            + " mappings (got " + uids.size() + " and " + gids.size() + ")");
      }
    }

    /** The uid mappings as an OCI spec states them. */
    public List<OciSpec.IdMap> ociUidMappings() {
      return uids.stream().map(m -> new OciSpec.IdMap(m.containerId(), m.hostId(), m.length())).toList();
    }

    /** The gid mappings as an OCI spec states them. */
    public List<OciSpec.IdMap> ociGidMappings() {
      return gids.stream().map(m -> new OciSpec.IdMap(m.containerId(), m.hostId(), m.length())).toList();
    }

    /** The contents of /proc/[pid]/uid_map. */
    public String uidMap() {
      return String.join("\n", uids.stream().map(IdMapping::line).toList()) + "\n";
    }

    public String gidMap() {
      return String.join("\n", gids.stream().map(IdMapping::line).toList()) + "\n";
    }

    /** The node uid that is root inside, or -1 when root is not mapped. */
    public long hostRootUid() {
      return uids.stream().filter(m -> m.containerId() == 0).mapToLong(IdMapping::hostId).findFirst().orElse(-1);
    }

    public long hostRootGid() {
      return gids.stream().filter(m -> m.containerId() == 0).mapToLong(IdMapping::hostId).findFirst().orElse(-1);
    }
  }

  /** DNS settings for the pod's resolv.conf; all empty means "use the host's". */
  public record Dns(List<String> servers, List<String> searches, List<String> options) {
    public Dns {
      servers = List.copyOf(servers);
      searches = List.copyOf(searches);
      options = List.copyOf(options);
    }

    @JsonIgnore
    public boolean isEmpty() {
      return servers.isEmpty() && searches.isEmpty() && options.isEmpty();
    }
  }

  /** The key names are reserved under, as containerd builds it: name, namespace, uid, attempt. */
  public String reservationKey() {
    return name + "_" + namespace + "_" + uid + "_" + attempt;
  }
}
