package dev.jcri.sandbox.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The defaults containerd gives a container, which jcri gives too. */
public final class OciDefaults {

  private OciDefaults() {}

  /** containerd's default capability set. */
  public static final List<String> CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
      "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

  /** Every capability, for privileged containers and for "ALL". */
  public static final List<String> ALL_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE",
      "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
      "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
      "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
      "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
      "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
      "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
      "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

  /**
   * The capabilities in this process's bounding set; {@link #ALL_CAPABILITIES} is ordered by capability
   * number, so bit n of CapBnd is its n-th entry.
   */
  public static Set<String> ownBoundingSet() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapBnd:")) {
          long bits = Long.parseUnsignedLong(line.substring(7).strip(), 16);
          Set<String> caps = new LinkedHashSet<>();
          for (int i = 0; i < ALL_CAPABILITIES.size(); i++) {
            if ((bits & (1L << i)) != 0) {
              caps.add(ALL_CAPABILITIES.get(i));
            }
          }
          return caps;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // fall through
    }
    return new LinkedHashSet<>(ALL_CAPABILITIES);
  }

  /** containerd's default masked paths. */
  public static final List<String> MASKED_PATHS = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
      "/proc/scsi", "/sys/devices/virtual/powercap");

  /** containerd's default read-only paths. */
  public static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
      "/proc/sysrq-trigger");

  public static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  /**
   * The mounts every container has; /dev/shm and the pod files are added per pod. With {@code bindNodeCgroups}
   * (a container sharing a cgroup v2 node's cgroup namespace) /sys/fs/cgroup is the node's, bound: a cgroup2
   * mount made in the node's namespace would reapply its options to the node's one superblock, and crun mounts
   * it without any (taking nsdelegate and memory_recursiveprot off the node).
   */
  public static List<OciSpec.Mount> baseMounts(boolean readonlySys, boolean bindNodeCgroups) {
    String access = readonlySys ? "ro" : "rw";
    OciSpec.Mount cgroup = bindNodeCgroups
        ? new OciSpec.Mount("/sys/fs/cgroup", "bind", "/sys/fs/cgroup", List.of("rbind", "nosuid", "noexec", "nodev",
            access))
        : new OciSpec.Mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime",
            access));
    return List.of(
        new OciSpec.Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")),
        new OciSpec.Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
        new OciSpec.Mount("/dev/pts", "devpts", "devpts",
            List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
        new OciSpec.Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
        new OciSpec.Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", access)),
        cgroup);
  }

  /** The only device rule by default: deny everything not listed by the runtime's defaults. */
  public static final List<OciSpec.DeviceRule> DENY_ALL_DEVICES =
      List.of(new OciSpec.DeviceRule(false, null, null, null, "rwm"));
}
