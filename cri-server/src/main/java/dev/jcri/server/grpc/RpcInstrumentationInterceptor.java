package dev.jcri.server.grpc;

import dev.jcri.common.Log;
import dev.jcri.server.telemetry.JcriMetrics;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

/**
 * Wraps every RPC in a span (parented on the W3C trace context kubelet sends in the metadata) and writes one
 * structured log line when it ends: method, ids, duration and status. Mutations log at info, reads and
 * ExecSync (exec probes) at debug, failures of jcri itself at warn.
 */
public final class RpcInstrumentationInterceptor implements ServerInterceptor {

  private static final Log LOG = Log.of(RpcInstrumentationInterceptor.class);

  /**
   * What kubelet sends all day, logged at debug as containerd does: the reads, and ExecSync (its exec probes:
   * a node of 110 pods with a probe each every 10 s would write a line every 90 ms). One that fails with an
   * internal error is still a warning.
   */
  private static final Set<String> ROUTINE = Set.of("ExecSync", "Version", "Status", "RuntimeConfig", "ListPodSandbox",
      "PodSandboxStatus", "ListContainers", "ContainerStatus", "ContainerStats", "ListContainerStats",
      "PodSandboxStats", "ListPodSandboxStats", "ListImages", "ImageStatus", "ImageFsInfo",
      "ListMetricDescriptors", "ListPodSandboxMetrics", "StreamPodSandboxes", "StreamContainers",
      "StreamContainerStats", "StreamPodSandboxStats", "StreamPodSandboxMetrics", "StreamImages");

  private static final TextMapGetter<Metadata> METADATA = new TextMapGetter<>() {
    @Override
    public String get(Metadata carrier, String key) {
      return carrier == null ? null : carrier.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
    }
  };

  private final Tracer tracer;
  private final JcriMetrics.RpcObserver metrics;

  /** @param metrics where finished RPCs are counted ({@link JcriMetrics.RpcObserver#NONE} when metrics are off) */
  public RpcInstrumentationInterceptor(OpenTelemetry openTelemetry, JcriMetrics.RpcObserver metrics) {
    this.tracer = openTelemetry.getTracer("dev.jcri.server");
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    String fullName = call.getMethodDescriptor().getFullMethodName();
    String method = call.getMethodDescriptor().getBareMethodName();
    Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, METADATA);
    Span span = tracer.spanBuilder(fullName)
        .setParent(parent)
        .setSpanKind(SpanKind.SERVER)
        .setAttribute("rpc.system", "grpc")
        .setAttribute("rpc.service", call.getMethodDescriptor().getServiceName())
        .setAttribute("rpc.method", method)
        .startSpan();
    Context context = parent.with(span);
    Object[] request = new Object[1];

    ServerCall<Q, R> observed = new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        try {
          finish(method, request[0], status, start, span);
        } finally {
          super.close(status, trailers);
        }
      }
    };
    ServerCall.Listener<Q> delegate;
    try (Scope _ = context.makeCurrent()) {
      delegate = next.startCall(observed, headers);
    }
    return new SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        request[0] = message;
        RequestIds.of(message).forEach((k, v) -> span.setAttribute("jcri." + k, v));
        try (Scope _ = context.makeCurrent()) {
          super.onMessage(message);
        }
      }

      @Override
      public void onHalfClose() {
        try (Scope _ = context.makeCurrent()) {
          super.onHalfClose();
        }
      }

      @Override
      public void onCancel() {
        try (Scope _ = context.makeCurrent()) {
          super.onCancel();
        }
      }

      @Override
      public void onComplete() {
        try (Scope _ = context.makeCurrent()) {
          super.onComplete();
        }
      }

      @Override
      public void onReady() {
        try (Scope _ = context.makeCurrent()) {
          super.onReady();
        }
      }
    };
  }

  private void finish(String method, Object request, Status status, long start, Span span) {
    long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start);
    metrics.rpcDone(method, status.getCode().name(), micros / 1e6);
    if (status.isOk()) {
      span.setStatus(StatusCode.OK);
    } else {
      span.setStatus(StatusCode.ERROR, status.getCode() + ": " + status.getDescription());
    }
    span.setAttribute("rpc.grpc.status_code", status.getCode().value());
    span.end();

    boolean fault = status.getCode() == Status.Code.INTERNAL || status.getCode() == Status.Code.UNKNOWN;
    Level level = fault ? Level.WARNING : ROUTINE.contains(method) ? Level.FINE : Level.INFO;
    if (!LOG.enabled(level)) {
      return;
    }
    Map<String, String> ids = RequestIds.of(request);
    Object[] kv = new Object[2 * ids.size() + (status.isOk() ? 6 : 8)];
    int i = 0;
    kv[i++] = "method";
    kv[i++] = method;
    for (Map.Entry<String, String> e : ids.entrySet()) {
      kv[i++] = e.getKey();
      kv[i++] = e.getValue();
    }
    kv[i++] = "duration_ms";
    kv[i++] = String.format("%.3f", micros / 1000.0);
    kv[i++] = "status";
    kv[i++] = status.getCode().name();
    if (!status.isOk()) {
      kv[i++] = "error";
      kv[i++] = String.valueOf(status.getDescription());
    }
    LOG.log(level, "rpc", null, Arrays.copyOf(kv, i));
  }
}
