package dev.jcri.server.rpc;

import dev.jcri.cri.v1.CgroupDriver;
import dev.jcri.cri.v1.LinuxRuntimeConfiguration;
import dev.jcri.cri.v1.RuntimeConfigRequest;
import dev.jcri.cri.v1.RuntimeConfigResponse;

/** RuntimeConfig: the cgroup driver jcri uses, which kubelet must match. */
public final class RuntimeConfigRpc implements UnaryRpc<RuntimeConfigRequest, RuntimeConfigResponse> {

  private final RuntimeConfigResponse response;

  public RuntimeConfigRpc(dev.jcri.sandbox.node.CgroupDriver driver) {
    CgroupDriver wire = switch (driver) {
      case CGROUPFS -> CgroupDriver.CGROUPFS;
      case SYSTEMD -> CgroupDriver.SYSTEMD;
    };
    this.response = RuntimeConfigResponse.newBuilder()
        .setLinux(LinuxRuntimeConfiguration.newBuilder().setCgroupDriver(wire))
        .build();
  }

  @Override
  public RuntimeConfigResponse call(RuntimeConfigRequest request) {
    return response;
  }
}
