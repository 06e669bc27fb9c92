package dev.jcri.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @TempDir Path dir;

  private JcriConfig load() {
    return ConfigLoader.load(dir.resolve("jcri.toml"), false, dir.resolve("jcri.d"));
  }

  private void write(String name, String toml) throws IOException {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, toml);
  }

  @Test
  void load_noFiles_givesDefaults() {
    assertEquals(JcriConfig.defaults(), load());
  }

  /** The three drivers load; anything else is refused naming them. */
  @Test
  void load_cgroupDriver_takesTheThreeDrivers() throws IOException {
    write("jcri.toml", "cgroup_driver = \"systemd\"\n");
    assertEquals(JcriConfig.CgroupDriverSetting.SYSTEMD, load().cgroupDriver());
    write("jcri.toml", "cgroup_driver = \"cgroupfs\"\n");
    assertEquals(JcriConfig.CgroupDriverSetting.CGROUPFS, load().cgroupDriver());
    write("jcri.toml", "cgroup_driver = \"sytemd\"\n");
    ConfigException e = assertThrows(ConfigException.class, this::load);
    assertTrue(e.getMessage().contains("cgroup_driver") && e.getMessage().contains("systemd"), e.getMessage());
  }

  @Test
  void load_explicitMissingFile_fails() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(dir.resolve("nope.toml"), true, dir.resolve("jcri.d")));
    assertTrue(e.getMessage().contains("nope.toml does not exist"), e.getMessage());
  }

  @Test
  void load_mainAndDropIns_mergedInNameOrder() throws IOException {
    write("jcri.toml", """
        log_level = "debug"
        [runtimes.crun]
        path = "/opt/crun"
        [cni]
        bin_dirs = ["/a"]
        """);
    write("jcri.d/20-late.toml", """
        log_level = "warn"
        [runtimes.kata]
        path = "/opt/kata"
        root = "/run/kata"
        """);
    write("jcri.d/10-early.toml", """
        log_level = "error"
        log_format = "json"
        """);
    write("jcri.d/ignored.txt", "this is = not toml [");

    JcriConfig c = load();

    assertEquals(JcriConfig.LogLevel.WARN, c.logLevel());
    assertEquals(JcriConfig.LogFormat.JSON, c.logFormat());
    assertEquals("/opt/crun", c.runtimes().get("crun").path());
    assertEquals("/run/jcri/crun", c.runtimes().get("crun").root(), "unset keys of a merged table keep defaults");
    assertEquals(List.of("crun", "runc", "kata"), List.copyOf(c.runtimes().keySet()));
    assertEquals(List.of("/a"), c.cni().binDirs(), "arrays replace, not append");
  }

  @Test
  void runtimeRoots_underTheStateDirectory_unlessGiven() throws IOException {
    write("jcri.toml", """
        state = "/tmp/other-jcri/run/"
        [runtimes.runc]
        root = "/run/elsewhere"
        [runtimes.youki]
        path = "/usr/bin/youki"
        """);
    JcriConfig c = load();
    assertEquals("/tmp/other-jcri/run/crun", c.runtimes().get("crun").root(),
        "a second jcri on a state of its own does not share the node's /run/jcri/crun");
    assertEquals("/run/elsewhere", c.runtimes().get("runc").root(), "a root given stays");
    assertEquals("/tmp/other-jcri/run/youki", c.runtimes().get("youki").root());
    assertEquals("/run/jcri/crun", ConfigLoader.fromToml("log_level = \"info\"\n", "t").runtimes().get("crun")
        .root(), "the node's default");
  }

  @Test
  void load_unknownKey_namesFileAndKey() throws IOException {
    write("jcri.d/50-bad.toml", "[cni]\nconf_dri = \"/x\"\n");
    ConfigException e = assertThrows(ConfigException.class, this::load);
    assertTrue(e.getMessage().contains("50-bad.toml"), e.getMessage());
    assertTrue(e.getMessage().contains("unknown key 'cni.conf_dri'"), e.getMessage());
    assertTrue(e.getMessage().contains("conf_dir"), "lists the known keys: " + e.getMessage());
  }

  @Test
  void load_badType_namesKeyAndExpectation() throws IOException {
    write("jcri.toml", "[stream]\nport = \"eighty\"\n");
    ConfigException e = assertThrows(ConfigException.class, this::load);
    assertTrue(e.getMessage().contains("jcri.toml"), e.getMessage());
    assertTrue(e.getMessage().contains("key 'stream.port': expected a whole number"), e.getMessage());
    assertTrue(e.getMessage().contains("eighty"), e.getMessage());
  }

  @Test
  void load_numberWhereStringBelongs_isRefused() throws IOException {
    write("jcri.toml", "socket = 5\n");
    ConfigException e = assertThrows(ConfigException.class, this::load);
    assertTrue(e.getMessage().contains("key 'socket': expected a string"), e.getMessage());
  }

  @Test
  void load_badEnum_listsAcceptedValues() throws IOException {
    write("jcri.toml", "log_level = \"loud\"\n");
    ConfigException e = assertThrows(ConfigException.class, this::load);
    assertTrue(e.getMessage().contains("key 'log_level': expected one of debug, info, warn, error, got \"loud\""),
        e.getMessage());
  }

  @Test
  void load_invalidToml_givesLine() throws IOException {
    write("jcri.toml", "socket = \"/run/x.sock\"\nroot = = 3\n");
    ConfigException e = assertThrows(ConfigException.class, this::load);
    assertTrue(e.getMessage().contains("not valid TOML at line 2"), e.getMessage());
  }

  @Test
  void load_defaultRuntimeWithoutTable_fails() throws IOException {
    write("jcri.toml", "default_runtime = \"kata\"\n");
    ConfigException e = assertThrows(ConfigException.class, this::load);
    assertTrue(e.getMessage().contains("'default_runtime': \"kata\" names no [runtimes.kata] table"), e.getMessage());
  }

  @Test
  void load_relativePath_fails() throws IOException {
    write("jcri.toml", "root = \"var/lib/jcri\"\n");
    ConfigException e = assertThrows(ConfigException.class, this::load);
    assertTrue(e.getMessage().contains("key 'root': expected an absolute path"), e.getMessage());
  }

  /** containerd's form: directories separated by ':', each absolute; the default is jcri's own. */
  @Test
  void load_registryConfigPath_takesSeveralDirectories_eachAbsolute() throws IOException {
    assertEquals("/etc/jcri/certs.d", load().registry().configPath());
    write("jcri.toml", "[registry]\nconfig_path = \"/etc/containerd/certs.d:/etc/docker/certs.d\"\n");
    assertEquals("/etc/containerd/certs.d:/etc/docker/certs.d", load().registry().configPath());
    write("jcri.toml", "[registry]\nconfig_path = \"/etc/containerd/certs.d:certs.d\"\n");
    ConfigException e = assertThrows(ConfigException.class, this::load);
    assertTrue(e.getMessage().contains("key 'registry.config_path': expected an absolute path"), e.getMessage());
  }

  @Test
  void render_parsesBackToTheSameConfig() throws IOException {
    write("jcri.toml", """
        log_format = "json"
        [registry]
        insecure = ["myregistry.local:5000"]
        [registry.mirrors."registry.k8s.io"]
        endpoints = ["http://127.0.0.1:5000", "https://mirror.example"]
        [runtimes.kata]
        path = "/opt/kata \\"quoted\\""
        root = "/run/kata"
        """);
    JcriConfig config = load();
    String rendered = ConfigRenderer.render(config);

    assertEquals(config, ConfigLoader.fromToml(rendered, "rendered"));
    assertEquals(JcriConfig.defaults(), ConfigLoader.fromToml(ConfigRenderer.render(JcriConfig.defaults()), "d"));
    assertTrue(rendered.contains("# The CRI gRPC socket"), "keys carry comments");
  }
}
