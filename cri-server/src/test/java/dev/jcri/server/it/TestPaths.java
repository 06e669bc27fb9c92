package dev.jcri.server.it;

import java.nio.file.Path;

/** A jcri configuration confined to one temporary directory, so tests never touch /run/jcri. */
public record TestPaths(Path dir) {

  public TestPaths {
    NodeCgroups.noteOthers(); // before this test's jcri makes a pod
  }

  public Path socket() {
    return dir.resolve("run/jcri.sock");
  }

  public Path state() {
    return dir.resolve("run");
  }

  public Path root() {
    return dir.resolve("lib");
  }

  public Path cniConfDir() {
    return dir.resolve("net.d");
  }

  /** Registry hosts directories of the test's own: the node's /etc/jcri/certs.d is never read. */
  public Path certsDir() {
    return dir.resolve("certs.d");
  }

  private String registryLine() {
    return "config_path = \"" + certsDir() + "\"\n";
  }

  /** CDI specs of the test's own: the node's /etc/cdi is never read. */
  public Path cdiDir() {
    return dir.resolve("cdi");
  }

  /**
   * The TOML that points jcri at these paths, plus {@code extra} lines. The cgroup driver is cgroupfs unless
   * {@code extra} names one: "auto" would be systemd on a node with systemd as init.
   */
  public String toml(String extra) {
    String driver = extra.contains("cgroup_driver") ? "" : "cgroup_driver = \"cgroupfs\"\n";
    return "socket = \"" + socket() + "\"\n" + driver
        + "state = \"" + state() + "\"\n"
        + "root = \"" + root() + "\"\n"
        + "cdi_spec_dirs = [\"" + cdiDir() + "\"]\n"
        + (extra.contains("[registry]\n") ? extra.replace("[registry]\n", "[registry]\n" + registryLine())
            : extra + "\n[registry]\n" + registryLine()) + "\n"
        + "[cni]\nconf_dir = \"" + cniConfDir() + "\"\ndefault_network = false\n"
        // the runtimes' own state too: a jcri the node runs keeps its containers in /run/jcri/{crun,runc}
        + (extra.contains("[runtimes.") ? "" : "[runtimes.crun]\nroot = \"" + state().resolve("crun") + "\"\n"
            + "[runtimes.runc]\nroot = \"" + state().resolve("runc") + "\"\n");
  }
}
