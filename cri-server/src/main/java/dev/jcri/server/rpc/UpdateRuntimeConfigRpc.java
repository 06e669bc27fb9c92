package dev.jcri.server.rpc;

import dev.jcri.cri.v1.UpdateRuntimeConfigRequest;
import dev.jcri.cri.v1.UpdateRuntimeConfigResponse;
import dev.jcri.sandbox.network.PodCidrStore;
import java.util.function.Consumer;

/** UpdateRuntimeConfig: keeps the node's pod CIDR that kubelet hands over (an empty one changes nothing). */
public final class UpdateRuntimeConfigRpc
    implements UnaryRpc<UpdateRuntimeConfigRequest, UpdateRuntimeConfigResponse> {

  private final PodCidrStore podCidr;
  private final Consumer<String> onChange;

  /** @param onChange told the pod CIDR after each update (the default network follows it) */
  public UpdateRuntimeConfigRpc(PodCidrStore podCidr, Consumer<String> onChange) {
    this.podCidr = podCidr;
    this.onChange = onChange;
  }

  @Override
  public UpdateRuntimeConfigResponse call(UpdateRuntimeConfigRequest request) {
    podCidr.update(request.getRuntimeConfig().getNetworkConfig().getPodCidr());
    onChange.accept(podCidr.podCidr());
    return UpdateRuntimeConfigResponse.getDefaultInstance();
  }
}
