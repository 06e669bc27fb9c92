package dev.jcri.server.rpc;

import dev.jcri.cri.v1.RuntimeCondition;
import dev.jcri.cri.v1.RuntimeFeatures;
import dev.jcri.cri.v1.RuntimeHandler;
import dev.jcri.cri.v1.RuntimeHandlerFeatures;
import dev.jcri.cri.v1.RuntimeStatus;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.StatusResponse;
import dev.jcri.sandbox.network.CniConfigDir;
import dev.jcri.server.RuntimeInfo;

/**
 * Status: RuntimeReady is true while jcri serves; NetworkReady follows the presence of a usable CNI
 * network config. Verbose adds JSON details: the config in effect, helper versions, cgroup layout.
 */
public final class StatusRpc implements UnaryRpc<StatusRequest, StatusResponse> {

  static final String RUNTIME_READY = "RuntimeReady";
  static final String NETWORK_READY = "NetworkReady";
  static final String NETWORK_NOT_READY_REASON = "NetworkPluginNotReady";

  private final CniConfigDir cni;
  private final RuntimeInfo info;

  public StatusRpc(CniConfigDir cni, RuntimeInfo info) {
    this.cni = cni;
    this.info = info;
  }

  @Override
  public StatusResponse call(StatusRequest request) {
    CniConfigDir.Lookup network = cni.lookup();
    RuntimeCondition.Builder networkReady = RuntimeCondition.newBuilder().setType(NETWORK_READY)
        .setStatus(network.ready());
    if (!network.ready()) {
      networkReady.setReason(NETWORK_NOT_READY_REASON).setMessage("Network plugin returns error: " + network.problem());
    }
    // Supplemental groups policy: Strict and Merge both, with the groups given reported in ContainerStatus.user.
    // Mount options: noexec, nodev and nosuid on bind mounts (KEP-5855). A user namespace with the node's network
    // is refused, so user_namespaces_host_network stays false.
    StatusResponse.Builder response = StatusResponse.newBuilder().setStatus(RuntimeStatus.newBuilder()
        .addConditions(RuntimeCondition.newBuilder().setType(RUNTIME_READY).setStatus(true))
        .addConditions(networkReady))
        .setFeatures(RuntimeFeatures.newBuilder().setSupplementalGroupsPolicy(true).setMountOptions(true));
    // Every handler can run pods with a user namespace of their own (kubelet checks this before hostUsers: false)
    // and has recursively read-only mounts (jcri makes them itself, so the runtime's own support does not matter).
    for (String handler : info.handlerNames()) {
      response.addRuntimeHandlers(RuntimeHandler.newBuilder().setName(handler)
          .setFeatures(RuntimeHandlerFeatures.newBuilder().setUserNamespaces(true)
              .setRecursiveReadOnlyMounts(true)));
    }
    if (request.getVerbose()) {
      response.putAllInfo(info.verbose(network));
    }
    return response.build();
  }
}
