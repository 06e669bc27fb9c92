package dev.jcri.sandbox.container;

import dev.jcri.common.InvalidArgumentException;
import dev.jcri.sandbox.oci.OciSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Host devices a container asks for, checked and turned into OCI device nodes and cgroup allow rules. Only
 * device nodes under the host's /dev are accepted (a symlink there is followed only if it stays in /dev); a
 * directory brings the device nodes directly inside it, as containerd does.
 */
final class HostDevices {

  private static final Path DEV = Path.of("/dev");

  private HostDevices() {}

  /** What the spec gets for {@code devices}: the nodes and their rules. */
  record Resolved(List<OciSpec.Device> nodes, List<OciSpec.DeviceRule> rules) {}

  static Resolved resolve(List<ContainerSpec.DeviceSpec> devices) {
    List<OciSpec.Device> nodes = new ArrayList<>();
    List<OciSpec.DeviceRule> rules = new ArrayList<>();
    for (ContainerSpec.DeviceSpec d : devices) {
      String perms = d.permissions().isEmpty() ? "rwm" : d.permissions();
      if (!perms.matches("[rwm]{1,3}") || perms.chars().distinct().count() != perms.length()) {
        throw new InvalidArgumentException("device " + d.hostPath() + ": permissions \"" + d.permissions()
            + "\" must be letters of \"rwm\", each at most once");
      }
      String target = d.containerPath().isEmpty() ? d.hostPath() : d.containerPath();
      if (!target.startsWith("/") || List.of(target.split("/")).contains("..") || target.indexOf('\0') >= 0) {
        throw new InvalidArgumentException("device container path \"" + target + "\" must be an absolute path"
            + " without \"..\"");
      }
      Path host = hostDevice(d.hostPath());
      if (Files.isDirectory(host)) {
        try (var entries = Files.list(host)) {
          for (Path p : entries.sorted().toList()) {
            node(p, target + "/" + p.getFileName(), perms, nodes, rules, false);
          }
        } catch (IOException e) {
          throw new InvalidArgumentException("device directory " + host + " cannot be listed: " + e.getMessage());
        }
      } else {
        node(host, target, perms, nodes, rules, true);
      }
    }
    return new Resolved(List.copyOf(nodes), List.copyOf(rules));
  }

  /** The host path, which must be under /dev and stay there after symlinks are followed. */
  private static Path hostDevice(String hostPath) {
    if (!hostPath.startsWith("/")) {
      throw new InvalidArgumentException("device host path \"" + hostPath + "\" must be absolute");
    }
    Path p = Path.of(hostPath).normalize();
    if (!p.startsWith(DEV) || p.equals(DEV)) {
      throw new InvalidArgumentException("device host path \"" + hostPath + "\" is not under /dev");
    }
    try {
      Path real = p.toRealPath();
      if (!real.startsWith(DEV)) {
        throw new InvalidArgumentException("device host path \"" + hostPath + "\" leads out of /dev (to " + real
            + ")");
      }
      return real;
    } catch (IOException e) {
      throw new InvalidArgumentException("device host path \"" + hostPath + "\" does not exist on this node");
    }
  }

  private static void node(Path host, String target, String perms, List<OciSpec.Device> nodes,
      List<OciSpec.DeviceRule> rules, boolean mustBeDevice) {
    Map<String, Object> a;
    try {
      a = Files.readAttributes(host, "unix:mode,rdev,uid,gid", LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new InvalidArgumentException("device " + host + " cannot be read: " + e.getMessage());
    }
    int mode = (Integer) a.get("mode");
    int format = mode & 0170000;
    String type = format == 0020000 ? "c" : format == 0060000 ? "b" : null;
    if (type == null) {
      if (mustBeDevice) {
        throw new InvalidArgumentException("device host path " + host + " is not a device node");
      }
      return;
    }
    long rdev = ((Number) a.get("rdev")).longValue();
    long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
    long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
    nodes.add(new OciSpec.Device(target, type, major, minor, mode & 07777,
        ((Number) a.get("uid")).longValue(), ((Number) a.get("gid")).longValue()));
    rules.add(new OciSpec.DeviceRule(true, type, major, minor, perms));
  }
}
