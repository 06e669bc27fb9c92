package dev.jcri.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jcri.common.Json;
import dev.jcri.sandbox.network.CniConfigDir;
import dev.jcri.sandbox.node.CgroupDriver;
import dev.jcri.sandbox.node.CgroupLayout;
import dev.jcri.sandbox.node.HelperVersions;
import dev.jcri.server.config.JcriConfig;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The details the verbose Status shows: config in effect, helper versions, cgroups, network config. */
public final class RuntimeInfo {

  private static final ObjectMapper JSON = Json.SNAKE_CASE;

  private final JcriConfig config;
  private final CgroupDriver cgroupDriver;
  private volatile String versions;

  public RuntimeInfo(JcriConfig config, CgroupDriver cgroupDriver) {
    this.config = config;
    this.cgroupDriver = cgroupDriver;
  }

  /** The runtime handler names kubelet may ask for; "" is the default handler. */
  public List<String> handlerNames() {
    List<String> names = new ArrayList<>(List.of(""));
    names.addAll(config.runtimes().keySet());
    return names;
  }

  public Map<String, String> verbose(CniConfigDir.Lookup network) {
    Map<String, String> info = new LinkedHashMap<>();
    info.put("config", json(JSON.valueToTree(config)));
    info.put("versions", versions());
    ObjectNode cgroups = JSON.createObjectNode();
    CgroupLayout layout = CgroupLayout.ofHost();
    cgroups.put("driver", cgroupDriver.name().toLowerCase(Locale.ROOT));
    cgroups.put("layout", layout.mode().description());
    info.put("cgroups", json(cgroups));
    ObjectNode cni = JSON.createObjectNode();
    cni.put("conf_dir", config.cni().confDir());
    cni.put("config_file", network.file() == null ? "" : network.file().toString());
    cni.put("network", network.networkName() == null ? "" : network.networkName());
    cni.put("problem", network.problem() == null ? "" : network.problem());
    info.put("cni", json(cni));
    return info;
  }

  /** Versions of jcri and of the helpers it runs; asked once, on first use. */
  private String versions() {
    String v = versions;
    if (v == null) {
      ObjectNode node = JSON.createObjectNode();
      node.put("jcri", JcriVersion.version());
      node.put("cri_api", JcriVersion.CRI_API_UPSTREAM);
      node.put("java", Runtime.version().toString());
      config.runtimes().forEach((name, handler) ->
          node.put(name, HelperVersions.versionOf(Path.of(handler.path()))));
      node.put("conmon", HelperVersions.versionOf(Path.of(config.conmon())));
      v = json(node);
      versions = v;
    }
    return v;
  }

  private static String json(Object node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
