package dev.jcri.server.telemetry;

import dev.jcri.common.Log;
import dev.jcri.server.config.JcriConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.Map;

/**
 * Chooses the OpenTelemetry implementation: the API's no-op unless tracing is switched on by config or by
 * the standard OTEL_* variables, in which case the SDK is configured from them and exports over OTLP. The
 * SDK's classes are only loaded in that case.
 */
public final class Telemetry {

  private static final Log LOG = Log.of(Telemetry.class);

  private Telemetry() {}

  public static OpenTelemetry create(JcriConfig.Tracing tracing, Map<String, String> env) {
    if (!enabled(tracing, env)) {
      return OpenTelemetry.noop();
    }
    OpenTelemetry sdk = SdkLoader.load(tracing);
    LOG.info("tracing on: spans exported over OTLP", "endpoint",
        env.getOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT", tracing.endpoint()));
    return sdk;
  }

  static boolean enabled(JcriConfig.Tracing tracing, Map<String, String> env) {
    if ("true".equalsIgnoreCase(env.get("OTEL_SDK_DISABLED"))) {
      return false;
    }
    return tracing.enabled()
        || env.containsKey("OTEL_TRACES_EXPORTER") && !"none".equals(env.get("OTEL_TRACES_EXPORTER"))
        || env.containsKey("OTEL_EXPORTER_OTLP_ENDPOINT")
        || env.containsKey("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  }

  /** Kept apart so that the SDK's classes load only when tracing is on. */
  private static final class SdkLoader {
    static OpenTelemetry load(JcriConfig.Tracing tracing) {
      return AutoConfiguredOpenTelemetrySdk.builder()
          .addPropertiesSupplier(() -> Map.of(
              "otel.service.name", "jcri",
              "otel.traces.exporter", "otlp",
              "otel.metrics.exporter", "none",
              "otel.logs.exporter", "none",
              "otel.exporter.otlp.endpoint", tracing.endpoint()))
          .build()
          .getOpenTelemetrySdk();
    }
  }
}
