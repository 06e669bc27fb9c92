package dev.jcri.server.rpc;

import io.grpc.stub.StreamObserver;

/**
 * One unary CRI RPC: turns the request into domain calls and the result into the response. Failures are
 * thrown as jcri's typed exceptions; the error-mapping interceptor turns them into a status.
 */
@FunctionalInterface
public interface UnaryRpc<Q, R> {

  R call(Q request);

  /** Answers {@code observer} with the result of {@code rpc}; a throw propagates to the interceptor. */
  static <Q, R> void serve(UnaryRpc<Q, R> rpc, Q request, StreamObserver<R> observer) {
    R response = rpc.call(request);
    observer.onNext(response);
    observer.onCompleted();
  }
}
