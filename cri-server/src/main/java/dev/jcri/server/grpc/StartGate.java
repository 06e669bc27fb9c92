package dev.jcri.server.grpc;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lets the socket take calls while jcri is still starting. The server is bound with the CRI's services in
 * name only: each method's handler waits until the start has made the real services ({@link #open}) and then
 * hands the call to them, so a call that comes early (kubelet's Version, as soon as the socket is there) is
 * answered once jcri's state is read back, with everything it recovered. If the start fails, the waiting calls
 * end UNAVAILABLE with the reason ({@link #fail}). containerd's socket also serves before its CRI plugin is
 * ready, but answers the early calls with an error.
 *
 * <p>A call waits on the thread it was started on: {@link CallExecutors} sends every call to a virtual thread
 * until the gate is open, never the event loop. A call whose caller gives up (its deadline passes, or it is
 * cancelled) stops waiting then and is never run.
 */
public final class StartGate {

  private final CompletableFuture<Map<String, ServerCallHandler<?, ?>>> handlers = new CompletableFuture<>();
  private final AtomicInteger waiting = new AtomicInteger();

  /** Whether the real services are in place (calls then go straight to them). */
  public boolean isOpen() {
    return handlers.isDone() && !handlers.isCompletedExceptionally();
  }

  /** How many calls are waiting for the gate now. */
  int waiting() {
    return waiting.get();
  }

  /** Stand-ins for {@code services}: the same methods, each waiting for the gate. */
  public List<ServerServiceDefinition> standIns(List<ServiceDescriptor> services) {
    return services.stream().map(this::standIn).toList();
  }

  private ServerServiceDefinition standIn(ServiceDescriptor service) {
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(service);
    for (MethodDescriptor<?, ?> method : service.getMethods()) {
      add(b, method);
    }
    return b.build();
  }

  private <ReqT, RespT> void add(ServerServiceDefinition.Builder b, MethodDescriptor<ReqT, RespT> method) {
    b.addMethod(method, new Waiting<>(method.getFullMethodName()));
  }

  /**
   * Opens the gate: calls waiting and to come go to {@code services} (which have the same methods as the
   * stand-ins, interceptors applied).
   */
  public void open(List<ServerServiceDefinition> services) {
    Map<String, ServerCallHandler<?, ?>> byName = new HashMap<>();
    for (ServerServiceDefinition s : services) {
      for (ServerMethodDefinition<?, ?> m : s.getMethods()) {
        byName.put(m.getMethodDescriptor().getFullMethodName(), m.getServerCallHandler());
      }
    }
    handlers.complete(Map.copyOf(byName));
  }

  /** The start failed: calls waiting and to come end UNAVAILABLE with {@code cause}'s message. */
  public void fail(Throwable cause) {
    handlers.completeExceptionally(cause);
  }

  /** A method's stand-in: waits for the gate, then starts the call on the real handler. */
  private final class Waiting<ReqT, RespT> implements ServerCallHandler<ReqT, RespT> {

    private final String method;

    Waiting(String method) {
      this.method = method;
    }

    @Override
    @SuppressWarnings("unchecked")
    public ServerCall.Listener<ReqT> startCall(ServerCall<ReqT, RespT> call, Metadata headers) {
      Map<String, ServerCallHandler<?, ?>> byName;
      try {
        byName = awaitGateOrCallerGone();
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        return refuse(call, Status.UNAVAILABLE.withDescription("jcri did not start: " + cause.getMessage()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return refuse(call, Status.UNAVAILABLE.withDescription("jcri is stopping"));
      }
      if (byName == null || call.isCancelled()) {
        return new ServerCall.Listener<>() {}; // the caller gave up while jcri started: nothing to run
      }
      ServerCallHandler<ReqT, RespT> real = (ServerCallHandler<ReqT, RespT>) byName.get(method);
      if (real == null) {
        return refuse(call, Status.UNIMPLEMENTED.withDescription("jcri does not serve " + method));
      }
      return real.startCall(call, headers);
    }

    /** The real handlers once the gate opens, or null as soon as the call's context is cancelled. */
    private Map<String, ServerCallHandler<?, ?>> awaitGateOrCallerGone()
        throws ExecutionException, InterruptedException {
      Context context = Context.current();
      CompletableFuture<Void> gone = new CompletableFuture<>();
      Context.CancellationListener onCancel = c -> gone.complete(null);
      context.addListener(onCancel, Runnable::run);
      waiting.incrementAndGet();
      try {
        CompletableFuture.anyOf(handlers, gone).get();
      } catch (ExecutionException e) {
        if (!context.isCancelled()) {
          throw e;
        }
      } finally {
        waiting.decrementAndGet();
        context.removeListener(onCancel);
      }
      return context.isCancelled() ? null : handlers.get();
    }

    private ServerCall.Listener<ReqT> refuse(ServerCall<ReqT, RespT> call, Status status) {
      call.close(status, new Metadata());
      return new ServerCall.Listener<>() {};
    }
  }
}
