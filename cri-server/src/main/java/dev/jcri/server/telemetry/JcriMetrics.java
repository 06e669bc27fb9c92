package dev.jcri.server.telemetry;

import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Log;
import dev.jcri.image.ImageService;
import dev.jcri.sandbox.container.ContainerManager;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.pod.PodSandbox;
import dev.jcri.sandbox.pod.PodSandboxManager;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The Prometheus endpoint ({@code [metrics] address}): per-RPC latency and errors, pod and container start
 * step durations, image pull bytes and durations, pods and containers by state, and the JVM's own figures.
 */
public final class JcriMetrics implements AutoCloseable {

  private static final Log LOG = Log.of(JcriMetrics.class);

  /** Told of every finished RPC. */
  @FunctionalInterface
  public interface RpcObserver {
    RpcObserver NONE = (method, code, seconds) -> { };

    void rpcDone(String method, String code, double seconds);
  }

  private final HTTPServer server;
  private final Histogram rpcSeconds;
  private final Counter rpcErrors;

  private JcriMetrics(HTTPServer server, Histogram rpcSeconds, Counter rpcErrors) {
    this.server = server;
    this.rpcSeconds = rpcSeconds;
    this.rpcErrors = rpcErrors;
  }

  /** Serves /metrics on {@code address} (host:port) and hooks the observers into the services. */
  public static JcriMetrics start(String address, PodSandboxManager pods, ContainerManager containers,
      ImageService images) {
    int colon = address.lastIndexOf(':');
    if (colon < 0) {
      throw new InvalidArgumentException("metrics address \"" + address + "\" must be host:port");
    }
    PrometheusRegistry registry = new PrometheusRegistry();
    Histogram rpcSeconds = Histogram.builder().name("jcri_rpc_duration_seconds").help("CRI calls by method and code")
        .labelNames("method", "code").register(registry);
    Counter rpcErrors = Counter.builder().name("jcri_rpc_errors_total").help("CRI calls that failed")
        .labelNames("method", "code").register(registry);
    Histogram steps = Histogram.builder().name("jcri_start_step_duration_seconds")
        .help("Steps of making pods and containers").labelNames("kind", "step").register(registry);
    pods.setStepObserver((kind, step, seconds) -> steps.labelValues(kind, step).observe(seconds));
    containers.setStepObserver((kind, step, seconds) -> steps.labelValues(kind, step).observe(seconds));
    Counter pullBytes = Counter.builder().name("jcri_image_pull_bytes_total").help("Bytes of pulled images")
        .register(registry);
    Histogram pullSeconds = Histogram.builder().name("jcri_image_pull_duration_seconds").help("Image pulls")
        .register(registry);
    images.setPullObserver((bytes, seconds) -> {
      pullBytes.inc(bytes);
      pullSeconds.observe(seconds);
    });
    GaugeWithCallback.builder().name("jcri_pods").help("Pod sandboxes by state").labelNames("state")
        .callback(cb -> {
          for (PodSandbox.State s : PodSandbox.State.values()) {
            cb.call(pods.list().stream().filter(p -> p.state() == s).count(), s.name().toLowerCase());
          }
        }).register(registry);
    GaugeWithCallback.builder().name("jcri_containers").help("Containers by state").labelNames("state")
        .callback(cb -> {
          for (ContainerRecord.State s : ContainerRecord.State.values()) {
            cb.call(containers.list().stream().filter(c -> c.state() == s).count(), s.name().toLowerCase());
          }
        }).register(registry);
    JvmMetrics.builder().register(registry);
    try {
      HTTPServer server = HTTPServer.builder().hostname(address.substring(0, colon))
          .port(Integer.parseInt(address.substring(colon + 1))).registry(registry).buildAndStart();
      LOG.info("serving Prometheus metrics", "address", address);
      return new JcriMetrics(server, rpcSeconds, rpcErrors);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve metrics on " + address + ": " + e.getMessage(), e);
    }
  }

  public RpcObserver rpcObserver() {
    return (method, code, seconds) -> {
      rpcSeconds.labelValues(method, code).observe(seconds);
      if (!code.equals("OK")) {
        rpcErrors.labelValues(method, code).inc();
      }
    };
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.close();
  }
}
