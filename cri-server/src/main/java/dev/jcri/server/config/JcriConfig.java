package dev.jcri.server.config;

import dev.jcri.sandbox.cni.CniNetwork;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * jcri's effective configuration: the embedded defaults with the main file and its drop-ins merged over
 * them. Keys are the snake_case forms of the component names. {@link ConfigLoader} builds it;
 * {@link ConfigRenderer} prints it back as commented TOML.
 */
public record JcriConfig(
    String socket,
    String root,
    String state,
    LogLevel logLevel,
    LogFormat logFormat,
    CgroupDriverSetting cgroupDriver,
    String defaultRuntime,
    Map<String, RuntimeHandler> runtimes,
    String conmon,
    List<String> cdiSpecDirs,
    Cni cni,
    Stream stream,
    Registry registry,
    Tracing tracing,
    Metrics metrics,
    int statsCollectionPeriodSeconds) {

  public static final String DEFAULT_CONFIG = "/etc/jcri/jcri.toml";
  public static final String DEFAULT_DROP_IN_DIR = "/etc/jcri/jcri.d";

  public JcriConfig {
    runtimes = runtimes == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(runtimes));
    cdiSpecDirs = cdiSpecDirs == null ? List.of() : List.copyOf(cdiSpecDirs);
  }

  /** What jcri runs with when no file exists. */
  public static JcriConfig defaults() {
    Map<String, RuntimeHandler> runtimes = new LinkedHashMap<>();
    runtimes.put("crun", new RuntimeHandler("/usr/bin/crun", "/run/jcri/crun"));
    runtimes.put("runc", new RuntimeHandler("/usr/bin/runc", "/run/jcri/runc"));
    return new JcriConfig(
        "/run/jcri/jcri.sock",
        "/var/lib/jcri",
        "/run/jcri",
        LogLevel.INFO,
        LogFormat.TEXT,
        CgroupDriverSetting.AUTO,
        "crun",
        runtimes,
        "/usr/bin/conmon",
        List.of("/etc/cdi", "/var/run/cdi"),
        new Cni("/etc/cni/net.d", List.of("/opt/cni/bin", "/usr/lib/cni"), true, CniNetwork.DEFAULT_BRIDGE),
        new Stream("127.0.0.1", 0, false, "", "", Stream.DEFAULT_IDLE_TIMEOUT_SECONDS),
        new Registry(Map.of(), List.of(), 3, 64L << 30, 128L << 30, List.of(), "", DEFAULT_REGISTRY_CONFIG_PATH),
        new Tracing(false, "http://127.0.0.1:4317"),
        new Metrics(""),
        10);
  }

  public Path socketPath() {
    return Path.of(socket);
  }

  public Path rootPath() {
    return Path.of(root);
  }

  public Path statePath() {
    return Path.of(state);
  }

  /** An OCI runtime handler: the runtime binary and the state directory it is given with --root. */
  public record RuntimeHandler(String path, String root) {}

  /** CNI: where configs and plugins are; {@code defaultNetwork} installs jcri's network when none exists. */
  public record Cni(String confDir, List<String> binDirs, boolean defaultNetwork, String defaultBridge) {
    public Cni {
      binDirs = binDirs == null ? List.of() : List.copyOf(binDirs);
    }
  }

  /**
   * The streaming server for exec, attach and port-forward; port 0 picks a free port. With {@code tls} it
   * serves HTTPS with {@code tlsCert}/{@code tlsKey} (PEM), or with a self-signed certificate made at start
   * when both are empty.
   */
  public record Stream(String address, int port, boolean tls, String tlsCert, String tlsKey,
      int idleTimeoutSeconds) {
    /** kubelet's and containerd's default streaming idle timeout. */
    public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 4 * 3600;

    public Stream {
      tlsCert = tlsCert == null ? "" : tlsCert;
      tlsKey = tlsKey == null ? "" : tlsKey;
    }

    public Stream(String address, int port, boolean tls, String tlsCert, String tlsKey) {
      this(address, port, tls, tlsCert, tlsKey, DEFAULT_IDLE_TIMEOUT_SECONDS);
    }
  }

  /** Where per-registry hosts directories are looked for, as containerd's {@code config_path}. */
  public static final String DEFAULT_REGISTRY_CONFIG_PATH = "/etc/jcri/certs.d";

  /**
   * Registries and pulls: mirrors per registry host, hosts reached over plain HTTP, layer downloads at once
   * per pull, the most one layer and one image may unpack to, images never collected, the node's credentials,
   * and the hosts directories (containerd's certs.d) with per-host servers, mirrors and TLS.
   */

  public record Registry(Map<String, Mirror> mirrors, List<String> insecure, int maxConcurrentDownloads,
      long maxLayerBytes, long maxImageBytes, List<String> pinnedImages, String authFile, String configPath) {
    public Registry {
      authFile = authFile == null ? "" : authFile;
      configPath = configPath == null ? "" : configPath;
      mirrors = mirrors == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(mirrors));
      insecure = insecure == null ? List.of() : List.copyOf(insecure);
      pinnedImages = pinnedImages == null ? List.of() : List.copyOf(pinnedImages);
    }
  }

  /** Endpoints tried in order before the registry host itself. */
  public record Mirror(List<String> endpoints) {
    public Mirror {
      endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    }
  }

  /** The Prometheus endpoint, {@code host:port}; empty means off. */
  public record Metrics(String address) {}

  /** OpenTelemetry export; the standard OTEL_* environment variables switch it on too. */
  public record Tracing(boolean enabled, String endpoint) {}

  public enum LogLevel {
    @JsonProperty("debug") DEBUG,
    @JsonProperty("info") INFO,
    @JsonProperty("warn") WARN,
    @JsonProperty("error") ERROR
  }

  public enum LogFormat {
    @JsonProperty("text") TEXT,
    @JsonProperty("json") JSON
  }

  public enum CgroupDriverSetting {
    @JsonProperty("auto") AUTO,
    @JsonProperty("cgroupfs") CGROUPFS,
    @JsonProperty("systemd") SYSTEMD
  }
}
