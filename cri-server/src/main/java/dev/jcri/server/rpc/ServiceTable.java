package dev.jcri.server.rpc;

import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCalls;
import java.util.HashSet;
import java.util.Set;

/**
 * A gRPC service bound method by method, each RPC named once next to the class that serves it. Methods of the
 * service left unbound answer UNIMPLEMENTED naming the method, as the generated base class does.
 */
final class ServiceTable {

  private final ServiceDescriptor descriptor;
  private final ServerServiceDefinition.Builder builder;
  private final Set<String> bound = new HashSet<>();

  ServiceTable(ServiceDescriptor descriptor) {
    this.descriptor = descriptor;
    this.builder = ServerServiceDefinition.builder(descriptor);
  }

  /** Binds a unary method to the class that serves it. */
  <Q, R> ServiceTable unary(MethodDescriptor<Q, R> method, UnaryRpc<Q, R> rpc) {
    builder.addMethod(method, ServerCalls.asyncUnaryCall((request, observer) -> UnaryRpc.serve(rpc, request,
        observer)));
    bound.add(method.getFullMethodName());
    return this;
  }

  /** Binds a unary method whose class answers the observer itself (to act once the response is sent). */
  <Q, R> ServiceTable unaryServing(MethodDescriptor<Q, R> method, ServerCalls.UnaryMethod<Q, R> rpc) {
    builder.addMethod(method, ServerCalls.asyncUnaryCall(rpc));
    bound.add(method.getFullMethodName());
    return this;
  }

  /** Binds a server-streaming method. */
  <Q, R> ServiceTable serverStreaming(MethodDescriptor<Q, R> method, ServerCalls.ServerStreamingMethod<Q, R> rpc) {
    builder.addMethod(method, ServerCalls.asyncServerStreamingCall(rpc));
    bound.add(method.getFullMethodName());
    return this;
  }

  /** The service, with every method not bound answering UNIMPLEMENTED. */
  ServerServiceDefinition build() {
    for (MethodDescriptor<?, ?> method : descriptor.getMethods()) {
      if (!bound.contains(method.getFullMethodName())) {
        unimplemented(method);
      }
    }
    return builder.build();
  }

  private <Q, R> void unimplemented(MethodDescriptor<Q, R> method) {
    switch (method.getType()) {
      case UNARY -> builder.addMethod(method, ServerCalls.asyncUnaryCall(
          (request, observer) -> ServerCalls.asyncUnimplementedUnaryCall(method, observer)));
      case SERVER_STREAMING -> builder.addMethod(method, ServerCalls.asyncServerStreamingCall(
          (request, observer) -> ServerCalls.asyncUnimplementedUnaryCall(method, observer)));
      case CLIENT_STREAMING -> builder.addMethod(method, ServerCalls.asyncClientStreamingCall(
          observer -> ServerCalls.asyncUnimplementedStreamingCall(method, observer)));
      default -> builder.addMethod(method, ServerCalls.asyncBidiStreamingCall(
          observer -> ServerCalls.asyncUnimplementedStreamingCall(method, observer)));
    }
  }
}
