package dev.jcri.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.AlreadyExistsException;
import dev.jcri.common.DeadlineExceededException;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.NotFoundException;
import dev.jcri.common.PermissionDeniedException;
import dev.jcri.common.ResourceExhaustedException;
import dev.jcri.common.UnavailableException;
import dev.jcri.common.UnimplementedException;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.cri.v1.VersionResponse;
import dev.jcri.server.telemetry.JcriMetrics;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.OpenTelemetry;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** In-process gRPC: what an RPC throws reaches the client as the right status with its message. */
class ErrorMappingInterceptorTest {

  private Server server;
  private ManagedChannel channel;
  private volatile Supplier<RuntimeException> failure;
  private volatile boolean viaOnError;

  private RuntimeServiceGrpc.RuntimeServiceBlockingStub start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    RuntimeServiceGrpc.RuntimeServiceImplBase service = new RuntimeServiceGrpc.RuntimeServiceImplBase() {
      @Override
      public void version(VersionRequest request, StreamObserver<VersionResponse> observer) {
        RuntimeException e = failure.get();
        if (viaOnError) {
          observer.onError(e);
          return;
        }
        throw e;
      }
    };
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(service, new ErrorMappingInterceptor(),
            new RpcInstrumentationInterceptor(OpenTelemetry.noop(), JcriMetrics.RpcObserver.NONE)))
        .build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    return RuntimeServiceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private Status callFailingWith(Supplier<RuntimeException> f, boolean onError) throws Exception {
    failure = f;
    viaOnError = onError;
    RuntimeServiceGrpc.RuntimeServiceBlockingStub stub = start();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub.version(VersionRequest.getDefaultInstance()));
    return e.getStatus();
  }

  @Test
  void thrownTypedErrors_mapToTheirCodes() throws Exception {
    assertMapped(() -> new NotFoundException("pod \"p\" not found"), Status.Code.NOT_FOUND, false);
    assertMapped(() -> new AlreadyExistsException("x"), Status.Code.ALREADY_EXISTS, false);
    assertMapped(() -> new InvalidArgumentException("x"), Status.Code.INVALID_ARGUMENT, false);
    assertMapped(() -> new FailedPreconditionException("x"), Status.Code.FAILED_PRECONDITION, false);
    assertMapped(() -> new UnavailableException("x"), Status.Code.UNAVAILABLE, false);
    assertMapped(() -> new DeadlineExceededException("x"), Status.Code.DEADLINE_EXCEEDED, false);
    assertMapped(() -> new ResourceExhaustedException("x"), Status.Code.RESOURCE_EXHAUSTED, false);
    assertMapped(() -> new UnimplementedException("x"), Status.Code.UNIMPLEMENTED, false);
    assertMapped(() -> new PermissionDeniedException("x"), Status.Code.PERMISSION_DENIED, false);
    assertMapped(() -> new dev.jcri.common.HelperFailedException("crun kill failed: boom"), Status.Code.INTERNAL,
        false);
  }

  @Test
  void typedErrorsPassedToOnError_mapToTheirCodes() throws Exception {
    assertMapped(() -> new NotFoundException("container \"c\" not found"), Status.Code.NOT_FOUND, true);
  }

  @Test
  void unexpectedException_isInternalWithAHint() throws Exception {
    Status status = callFailingWith(() -> new IllegalStateException("boom"), false);
    assertEquals(Status.Code.INTERNAL, status.getCode());
    assertTrue(status.getDescription().contains("IllegalStateException: boom"), status.getDescription());
    assertTrue(status.getDescription().contains("runtime.v1.RuntimeService/Version"), status.getDescription());
  }

  private void assertMapped(Supplier<RuntimeException> f, Status.Code code, boolean onError) throws Exception {
    Status status = callFailingWith(f, onError);
    assertEquals(code, status.getCode());
    assertEquals(f.get().getMessage(), status.getDescription());
    stop();
  }
}
