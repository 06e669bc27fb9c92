package dev.jcri.sandbox.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How the host mounts its cgroups, read from a mount table in /proc/self/mounts format.
 *
 * @param mode v1 only, hybrid (v1 controllers plus a cgroup2 mount) or pure v2
 * @param v1Controllers each mounted v1 controller and where it is mounted
 * @param unifiedMount where cgroup2 is mounted, or null when it is not
 */
public record CgroupLayout(Mode mode, Map<String, Path> v1Controllers, Path unifiedMount) {

  public enum Mode {
    V1("cgroup v1"),
    HYBRID("cgroup v1 hybrid (v1 controllers plus cgroup2)"),
    V2("cgroup v2 (unified)"),
    NONE("no cgroup filesystem mounted");

    private final String description;

    Mode(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }
  }

  /** Mount options of a v1 cgroup mount that are not controller names. */
  private static final Set<String> V1_OPTIONS = Set.of("rw", "ro", "nosuid", "nodev", "noexec", "relatime",
      "noatime", "nodiratime", "strictatime", "xattr", "clone_children", "noprefix", "cpuset_v2_mode",
      "favordynmods");

  public CgroupLayout {
    v1Controllers = Collections.unmodifiableMap(new TreeMap<>(v1Controllers));
  }

  public static CgroupLayout ofHost() {
    try {
      return parse(Files.readString(Path.of("/proc/self/mounts")));
    } catch (IOException e) {
      throw new UncheckedIOException("reading /proc/self/mounts", e);
    }
  }

  public static CgroupLayout parse(String mountTable) {
    Map<String, Path> v1 = new TreeMap<>();
    Path unified = null;
    for (String line : mountTable.split("\n")) {
      String[] f = line.split(" ");
      if (f.length < 4) {
        continue;
      }
      Path target = Path.of(f[1]);
      if (f[2].equals("cgroup2")) {
        unified = target;
      } else if (f[2].equals("cgroup")) {
        for (String opt : f[3].split(",")) {
          if (opt.startsWith("name=")) {
            v1.put(opt, target);
          } else if (!V1_OPTIONS.contains(opt) && !opt.contains("=")) {
            v1.put(opt, target);
          }
        }
      }
    }
    boolean anyV1Controller = v1.keySet().stream().anyMatch(k -> !k.startsWith("name="));
    Mode mode;
    if (anyV1Controller && unified != null) {
      mode = Mode.HYBRID;
    } else if (anyV1Controller) {
      mode = Mode.V1;
    } else if (unified != null) {
      mode = Mode.V2;
    } else {
      mode = Mode.NONE;
    }
    return new CgroupLayout(mode, v1, unified);
  }

  /** The directory under which the v1 hierarchies are mounted (normally /sys/fs/cgroup), or null. */
  public Path v1Root() {
    return v1Controllers.entrySet().stream()
        .filter(e -> !e.getKey().startsWith("name="))
        .map(e -> e.getValue().getParent())
        .findFirst().orElse(null);
  }
}
