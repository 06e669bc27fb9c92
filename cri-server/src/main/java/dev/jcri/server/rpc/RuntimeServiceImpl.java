package dev.jcri.server.rpc;

import dev.jcri.cri.v1.RuntimeConfigRequest;
import dev.jcri.cri.v1.RuntimeConfigResponse;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.StatusResponse;
import dev.jcri.cri.v1.UpdateRuntimeConfigRequest;
import dev.jcri.cri.v1.UpdateRuntimeConfigResponse;
import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.cri.v1.VersionResponse;
import io.grpc.stub.StreamObserver;

/**
 * The RuntimeService edge: each method hands its request to the class of that RPC. RPCs not built yet fall
 * through to the generated base, which answers UNIMPLEMENTED naming the method.
 */
public final class RuntimeServiceImpl extends RuntimeServiceGrpc.RuntimeServiceImplBase {

  private final VersionRpc version;
  private final StatusRpc status;
  private final UpdateRuntimeConfigRpc updateRuntimeConfig;
  private final RuntimeConfigRpc runtimeConfig;

  public RuntimeServiceImpl(VersionRpc version, StatusRpc status, UpdateRuntimeConfigRpc updateRuntimeConfig,
      RuntimeConfigRpc runtimeConfig) {
    this.version = version;
    this.status = status;
    this.updateRuntimeConfig = updateRuntimeConfig;
    this.runtimeConfig = runtimeConfig;
  }

  @Override
  public void version(VersionRequest request, StreamObserver<VersionResponse> observer) {
    UnaryRpc.serve(version, request, observer);
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
    UnaryRpc.serve(status, request, observer);
  }

  @Override
  public void updateRuntimeConfig(UpdateRuntimeConfigRequest request,
      StreamObserver<UpdateRuntimeConfigResponse> observer) {
    UnaryRpc.serve(updateRuntimeConfig, request, observer);
  }

  @Override
  public void runtimeConfig(RuntimeConfigRequest request, StreamObserver<RuntimeConfigResponse> observer) {
    UnaryRpc.serve(runtimeConfig, request, observer);
  }
}
