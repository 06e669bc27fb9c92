package dev.jcri.server.telemetry;

import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Log;
import dev.jcri.image.ImageService;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.pod.PodSandbox;
import dev.jcri.sandbox.trace.StepObserver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

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

  private final String address;
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Histogram rpcSeconds;
  private final Counter rpcErrors;
  private final Histogram steps;
  private final Counter pullBytes;
  private final Histogram pullSeconds;
  private HTTPServer server;

  /** The meters, ready to be observed; nothing is served until {@link #start}. */
  public JcriMetrics(String address) {
    if (address.lastIndexOf(':') < 0) {
      throw new InvalidArgumentException("metrics address \"" + address + "\" must be host:port");
    }
    this.address = address;
    this.rpcSeconds = Histogram.builder().name("jcri_rpc_duration_seconds").help("CRI calls by method and code")
        .labelNames("method", "code").register(registry);
    this.rpcErrors = Counter.builder().name("jcri_rpc_errors_total").help("CRI calls that failed")
        .labelNames("method", "code").register(registry);
    this.steps = Histogram.builder().name("jcri_start_step_duration_seconds")
        .help("Steps of making pods and containers").labelNames("kind", "step").register(registry);
    this.pullBytes = Counter.builder().name("jcri_image_pull_bytes_total").help("Bytes of pulled images")
        .register(registry);
    this.pullSeconds = Histogram.builder().name("jcri_image_pull_duration_seconds").help("Image pulls")
        .register(registry);
  }

  /**
   * Serves /metrics on the address (host:port), with pods and containers by state counted from these lists at
   * each scrape, and the JVM's own figures.
   */
  public void start(Supplier<List<PodSandbox>> pods, Supplier<List<ContainerRecord>> containers) {
    GaugeWithCallback.builder().name("jcri_pods").help("Pod sandboxes by state").labelNames("state")
        .callback(cb -> {
          List<PodSandbox> all = pods.get();
          for (PodSandbox.State s : PodSandbox.State.values()) {
            cb.call(all.stream().filter(p -> p.state() == s).count(), s.name().toLowerCase(Locale.ROOT));
          }
        }).register(registry);
    GaugeWithCallback.builder().name("jcri_containers").help("Containers by state").labelNames("state")
        .callback(cb -> {
          List<ContainerRecord> all = containers.get();
          for (ContainerRecord.State s : ContainerRecord.State.values()) {
            cb.call(all.stream().filter(c -> c.state() == s).count(), s.name().toLowerCase(Locale.ROOT));
          }
        }).register(registry);
    JvmMetrics.builder().register(registry);
    int colon = address.lastIndexOf(':');
    try {
      server = HTTPServer.builder().hostname(address.substring(0, colon))
          .port(Integer.parseInt(address.substring(colon + 1))).registry(registry).buildAndStart();
      LOG.info("serving Prometheus metrics", "address", address);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve metrics on " + address + ": " + e.getMessage(), e);
    }
  }

  /** Times the steps of making pods and containers. */
  public StepObserver stepObserver() {
    return (kind, step, seconds) -> steps.labelValues(kind, step).observe(seconds);
  }

  /** Counts pulled bytes and times pulls. */
  public ImageService.PullObserver pullObserver() {
    return (bytes, seconds) -> {
      pullBytes.inc(bytes);
      pullSeconds.observe(seconds);
    };
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
    if (server != null) {
      server.close();
    }
  }
}
