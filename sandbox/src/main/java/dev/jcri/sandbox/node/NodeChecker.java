package dev.jcri.sandbox.node;

import dev.jcri.image.snapshot.OverlayProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Checks the node prerequisites jcri needs, one finding each, with a fix where something is wrong. */
public final class NodeChecker {

  /** The CNI plugins jcri's default network and kubelet-style pods rely on. */
  static final List<String> CNI_PLUGINS = List.of("bridge", "host-local", "loopback", "portmap");

  private final Map<String, Path> runtimes;
  private final Path conmon;
  private final List<Path> cniBinDirs;
  private final Path root;

  /**
   * @param runtimes runtime handler name to OCI runtime binary
   * @param conmon the conmon binary
   * @param cniBinDirs where CNI plugins are looked for
   * @param root jcri's root directory (the overlay probe runs there)
   */
  public NodeChecker(Map<String, Path> runtimes, Path conmon, List<Path> cniBinDirs, Path root) {
    this.runtimes = Map.copyOf(runtimes);
    this.conmon = conmon;
    this.cniBinDirs = List.copyOf(cniBinDirs);
    this.root = root;
  }

  public enum Outcome { OK, WARN, FAIL }

  /** One finding; {@code fix} is empty when nothing needs doing. */
  public record Finding(Outcome outcome, String name, String detail, String fix) {
    public String line() {
      return String.format("%-4s  %-12s %s%s", outcome, name, detail, fix.isEmpty() ? "" : " (fix: " + fix + ")");
    }
  }

  public List<Finding> check() {
    List<Finding> findings = new ArrayList<>();
    runtimes.forEach((handler, path) -> findings.add(binary(handler, path, debianPackage(path))));
    findings.add(binary("conmon", conmon, "conmon"));
    findings.add(binary("catatonit", Path.of("/usr/bin/catatonit"), "catatonit"));
    findings.add(cniPlugins());
    findings.add(overlay());
    findings.addAll(cgroups());
    findings.add(ipForward());
    return findings;
  }

  private static String debianPackage(Path binary) {
    return binary.getFileName().toString();
  }

  private static Finding binary(String name, Path path, String pkg) {
    if (Files.isExecutable(path)) {
      return new Finding(Outcome.OK, name, path + ": " + HelperVersions.versionOf(path), "");
    }
    return new Finding(Outcome.FAIL, name, path + " is missing or not executable", "apt-get install " + pkg);
  }

  private Finding cniPlugins() {
    List<String> missing = new ArrayList<>();
    Path foundIn = null;
    for (String plugin : CNI_PLUGINS) {
      Path hit = cniBinDirs.stream().map(d -> d.resolve(plugin)).filter(Files::isExecutable).findFirst()
          .orElse(null);
      if (hit == null) {
        missing.add(plugin);
      } else if (foundIn == null) {
        foundIn = hit.getParent();
      }
    }
    if (missing.isEmpty()) {
      return new Finding(Outcome.OK, "cni-plugins", String.join(", ", CNI_PLUGINS) + " in " + foundIn, "");
    }
    return new Finding(Outcome.FAIL, "cni-plugins", "missing " + String.join(", ", missing) + " in "
        + cniBinDirs, "apt-get install containernetworking-plugins");
  }

  private Finding overlay() {
    String problem = OverlayProbe.problem(root.resolve("tmp"));
    if (problem == null) {
      return new Finding(Outcome.OK, "overlayfs", "a test overlay mounted under " + root.resolve("tmp"), "");
    }
    return new Finding(Outcome.FAIL, "overlayfs", problem,
        "put " + root + " on a filesystem overlayfs accepts as upper (ext4, xfs) and load the overlay module");
  }

  private static List<Finding> cgroups() {
    CgroupLayout layout = CgroupLayout.ofHost();
    List<Finding> findings = new ArrayList<>();
    Outcome outcome = layout.mode() == CgroupLayout.Mode.NONE ? Outcome.FAIL : Outcome.OK;
    String where = layout.mode() == CgroupLayout.Mode.V2 ? " at " + layout.unifiedMount()
        : layout.mode() == CgroupLayout.Mode.NONE ? "" : ", controllers " + layout.v1Controllers().keySet();
    findings.add(new Finding(outcome, "cgroups", layout.mode().description() + where,
        outcome == Outcome.OK ? "" : "mount cgroup2 at /sys/fs/cgroup"));
    Path hugetlb = HugetlbMounter.neededMountOnHost(layout);
    if (hugetlb != null) {
      findings.add(new Finding(Outcome.WARN, "hugetlb", "the hugetlb controller sits on cgroup2 of a hybrid"
          + " host, so crun refuses to run; jcri mounts the v1 hierarchy at start-up",
          "mount -t cgroup -o hugetlb cgroup " + hugetlb));
    }
    return findings;
  }

  private static Finding ipForward() {
    try {
      String value = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
      if (value.equals("1")) {
        return new Finding(Outcome.OK, "ip_forward", "net.ipv4.ip_forward = 1", "");
      }
      return new Finding(Outcome.WARN, "ip_forward", "net.ipv4.ip_forward = " + value
          + ": pod traffic is not routed off the node", "sysctl -w net.ipv4.ip_forward=1");
    } catch (IOException e) {
      return new Finding(Outcome.WARN, "ip_forward", "cannot read it: " + e.getMessage(), "");
    }
  }
}
