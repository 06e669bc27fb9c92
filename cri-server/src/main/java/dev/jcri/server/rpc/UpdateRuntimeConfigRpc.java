package dev.jcri.server.rpc;

import dev.jcri.cri.v1.UpdateRuntimeConfigRequest;
import dev.jcri.cri.v1.UpdateRuntimeConfigResponse;
import dev.jcri.sandbox.network.PodCidrStore;

/** UpdateRuntimeConfig: keeps the node's pod CIDR that kubelet hands over (an empty one changes nothing). */
public final class UpdateRuntimeConfigRpc
    implements UnaryRpc<UpdateRuntimeConfigRequest, UpdateRuntimeConfigResponse> {

  private final PodCidrStore podCidr;

  public UpdateRuntimeConfigRpc(PodCidrStore podCidr) {
    this.podCidr = podCidr;
  }

  @Override
  public UpdateRuntimeConfigResponse call(UpdateRuntimeConfigRequest request) {
    podCidr.update(request.getRuntimeConfig().getNetworkConfig().getPodCidr());
    return UpdateRuntimeConfigResponse.getDefaultInstance();
  }
}
