package dev.jcri.server.grpc;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Turns what an RPC throws, or passes to {@code onError}, into a proper gRPC status through
 * {@link StatusMapper}. Without it grpc-java would answer UNKNOWN.
 */
public final class ErrorMappingInterceptor implements ServerInterceptor {

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    MappingCall<Q, R> mapping = new MappingCall<>(call, method);
    ServerCall.Listener<Q> delegate = next.startCall(mapping, headers);
    return new SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        guard(() -> super.onMessage(message));
      }

      @Override
      public void onHalfClose() {
        guard(super::onHalfClose);
      }

      @Override
      public void onReady() {
        guard(super::onReady);
      }

      private void guard(Runnable step) {
        try {
          step.run();
        } catch (RuntimeException | Error e) {
          mapping.closeOnce(StatusMapper.toStatus(e, method), new Metadata());
        }
      }
    };
  }

  /** Remaps an UNKNOWN status that carries a cause (what grpc-java makes of {@code onError(t)}). */
  private static final class MappingCall<Q, R> extends SimpleForwardingServerCall<Q, R> {
    private final String method;
    private boolean closed;

    MappingCall(ServerCall<Q, R> delegate, String method) {
      super(delegate);
      this.method = method;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      Status mapped = status.getCode() == Status.Code.UNKNOWN && status.getCause() != null
          ? StatusMapper.toStatus(status.getCause(), method) : status;
      closeOnce(mapped, trailers);
    }

    synchronized void closeOnce(Status status, Metadata trailers) {
      if (closed) {
        return;
      }
      closed = true;
      super.close(status, trailers);
    }
  }
}
