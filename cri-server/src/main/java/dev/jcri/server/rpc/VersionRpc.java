package dev.jcri.server.rpc;

import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.cri.v1.VersionResponse;
import dev.jcri.server.JcriVersion;

/** Version: who we are and which CRI we speak. */
public final class VersionRpc implements UnaryRpc<VersionRequest, VersionResponse> {

  /** The version of the kubelet runtime API in the response's first field, as other runtimes report it. */
  static final String KUBELET_API_VERSION = "0.1.0";

  private final VersionResponse response = VersionResponse.newBuilder()
      .setVersion(KUBELET_API_VERSION)
      .setRuntimeName(JcriVersion.RUNTIME_NAME)
      .setRuntimeVersion(JcriVersion.version())
      .setRuntimeApiVersion(JcriVersion.CRI_API_VERSION)
      .build();

  @Override
  public VersionResponse call(VersionRequest request) {
    return response;
  }
}
