package dev.jcri.server.cli;

import dev.jcri.common.JcriException;
import dev.jcri.sandbox.cgroup.systemd.DbusSystemdUnits;
import dev.jcri.sandbox.network.CniConfigDir;
import dev.jcri.sandbox.node.CgroupDriver;
import dev.jcri.sandbox.node.NodeChecker;
import dev.jcri.server.JcriDaemon;
import dev.jcri.server.config.JcriConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code jcri check}: one line per node prerequisite; exit 1 when any of them fails. */
public final class CheckCommand {

  private CheckCommand() {}

  public static int run(JcriConfig config, PrintStream out) {
    Map<String, Path> runtimes = new LinkedHashMap<>();
    config.runtimes().forEach((name, handler) -> runtimes.put(name, Path.of(handler.path())));
    List<NodeChecker.Finding> findings = new NodeChecker(runtimes, Path.of(config.conmon()),
        config.cni().binDirs().stream().map(Path::of).toList(), config.rootPath()).check();
    boolean failed = false;
    for (NodeChecker.Finding f : findings) {
      out.println(f.line());
      failed |= f.outcome() == NodeChecker.Outcome.FAIL;
    }
    NodeChecker.Finding driver = cgroupDriver(config);
    out.println(driver.line());
    failed |= driver.outcome() == NodeChecker.Outcome.FAIL;
    CniConfigDir.Lookup network = new CniConfigDir(Path.of(config.cni().confDir())).lookup();
    out.println(network.ready()
        ? new NodeChecker.Finding(NodeChecker.Outcome.OK, "cni-config", network.file() + " (network "
            + network.networkName() + ")", "").line()
        : new NodeChecker.Finding(NodeChecker.Outcome.WARN, "cni-config", network.problem(),
            "add a .conflist to " + config.cni().confDir()).line());
    return failed ? 1 : 0;
  }

  /** The cgroup driver jcri would use, and for systemd whether systemd answers on the system bus. */
  private static NodeChecker.Finding cgroupDriver(JcriConfig config) {
    CgroupDriver driver;
    try {
      driver = JcriDaemon.cgroupDriver(config.cgroupDriver());
    } catch (JcriException e) {
      return new NodeChecker.Finding(NodeChecker.Outcome.FAIL, "cgroup-driver", e.getMessage(),
          "set cgroup_driver = \"cgroupfs\" or \"auto\"");
    }
    if (driver == CgroupDriver.CGROUPFS) {
      return new NodeChecker.Finding(NodeChecker.Outcome.OK, "cgroup-driver", "cgroupfs (give kubelet"
          + " cgroupDriver: cgroupfs)", "");
    }
    try {
      DbusSystemdUnits.connect().close();
      return new NodeChecker.Finding(NodeChecker.Outcome.OK, "cgroup-driver", "systemd, reached on the system bus"
          + " (give kubelet cgroupDriver: systemd)", "");
    } catch (JcriException e) {
      return new NodeChecker.Finding(NodeChecker.Outcome.FAIL, "cgroup-driver", e.getMessage(),
          "start dbus (apt-get install dbus), or set cgroup_driver = \"cgroupfs\"");
    }
  }
}
