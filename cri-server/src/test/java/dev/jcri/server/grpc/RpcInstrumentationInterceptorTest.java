package dev.jcri.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.Log;
import dev.jcri.cri.v1.PodSandboxStatusRequest;
import dev.jcri.cri.v1.PodSandboxStatusResponse;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.StopPodSandboxRequest;
import dev.jcri.cri.v1.StopPodSandboxResponse;
import dev.jcri.server.telemetry.JcriMetrics;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Spans carry the caller's W3C trace context; each RPC gives one structured log line. */
class RpcInstrumentationInterceptorTest {

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT_SPAN = "00f067aa0ba902b7";

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Logger logger = Logger.getLogger(RpcInstrumentationInterceptor.class.getName());
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private Server server;
  private ManagedChannel channel;
  private final String[] traceSeenByHandler = new String[1];

  @BeforeEach
  void start() throws Exception {
    logger.addHandler(capture);
    logger.setLevel(Level.ALL);
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
        .build();
    RuntimeServiceGrpc.RuntimeServiceImplBase service = new RuntimeServiceGrpc.RuntimeServiceImplBase() {
      @Override
      public void stopPodSandbox(StopPodSandboxRequest request, StreamObserver<StopPodSandboxResponse> observer) {
        traceSeenByHandler[0] = Span.current().getSpanContext().getTraceId();
        observer.onNext(StopPodSandboxResponse.getDefaultInstance());
        observer.onCompleted();
      }

      @Override
      public void execSync(dev.jcri.cri.v1.ExecSyncRequest request,
          StreamObserver<dev.jcri.cri.v1.ExecSyncResponse> observer) {
        observer.onNext(dev.jcri.cri.v1.ExecSyncResponse.getDefaultInstance());
        observer.onCompleted();
      }

      @Override
      public void podSandboxStatus(PodSandboxStatusRequest request,
          StreamObserver<PodSandboxStatusResponse> observer) {
        observer.onNext(PodSandboxStatusResponse.getDefaultInstance());
        observer.onCompleted();
      }
    };
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(service, new ErrorMappingInterceptor(),
            new RpcInstrumentationInterceptor(sdk, JcriMetrics.RpcObserver.NONE)))
        .build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    logger.removeHandler(capture);
    logger.setLevel(null);
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void span_isChildOfIncomingTraceparent() {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
        "00-" + TRACE_ID + "-" + PARENT_SPAN + "-01");
    RuntimeServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId("abc123").build());

    SpanData span = spans.getFinishedSpanItems().getFirst();
    assertEquals("runtime.v1.RuntimeService/StopPodSandbox", span.getName());
    assertEquals(TRACE_ID, span.getTraceId());
    assertEquals(PARENT_SPAN, span.getParentSpanId());
    assertEquals("abc123", span.getAttributes().asMap().entrySet().stream()
        .filter(e -> e.getKey().getKey().equals("jcri.pod_sandbox_id")).findFirst().orElseThrow().getValue());
    assertEquals(TRACE_ID, traceSeenByHandler[0], "the span is current while the RPC runs");
  }

  @Test
  void mutation_logsOneInfoLineWithIdsAndStatus() {
    RuntimeServiceGrpc.newBlockingStub(channel)
        .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId("abc123").build());

    assertEquals(1, records.size());
    LogRecord r = records.getFirst();
    assertEquals(Level.INFO, r.getLevel());
    var fields = Log.fieldsOf(r);
    assertEquals("StopPodSandbox", fields.get("method"));
    assertEquals("abc123", fields.get("pod_sandbox_id"));
    assertEquals("OK", fields.get("status"));
    assertTrue(fields.containsKey("duration_ms"));
  }

  @Test
  void execProbe_logsAtDebug() {
    RuntimeServiceGrpc.newBlockingStub(channel).execSync(dev.jcri.cri.v1.ExecSyncRequest.newBuilder()
        .setContainerId("c1").addCmd("true").build());
    assertEquals(Level.FINE, records.getFirst().getLevel(), "kubelet's exec probes do not flood the log");
  }

  @Test
  void read_logsAtDebug_failureCarriesError() {
    RuntimeServiceGrpc.newBlockingStub(channel)
        .podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId("p").build());
    assertEquals(Level.FINE, records.getFirst().getLevel());

    records.clear();
    try {
      RuntimeServiceGrpc.newBlockingStub(channel).removeContainer(
          dev.jcri.cri.v1.RemoveContainerRequest.newBuilder().setContainerId("c1").build());
    } catch (io.grpc.StatusRuntimeException expected) {
      // unimplemented in this test service
    }
    var fields = Log.fieldsOf(records.getFirst());
    assertEquals("UNIMPLEMENTED", fields.get("status"));
    assertTrue(String.valueOf(fields.get("error")).contains("RemoveContainer"));
  }
}
