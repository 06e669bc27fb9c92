package dev.jcri.sandbox.container;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.image.manifest.ImageConfig;
import dev.jcri.sandbox.cdi.CdiEdits;
import dev.jcri.sandbox.oci.OciDefaults;
import dev.jcri.sandbox.oci.OciSpec;
import dev.jcri.sandbox.oci.SeccompProfiles;
import dev.jcri.sandbox.pod.NamespaceMode;
import dev.jcri.sandbox.pod.PodSandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds a container's OCI spec from small pieces, each a function of the container, its pod and its image:
 * the process (command, env, user, capabilities), the mounts, the namespaces, the resources.
 */
final class OciSpecFactory {

  private OciSpecFactory() {}

  /** Everything the spec is made from. */
  record Inputs(String id, ContainerSpec c, PodSandbox pod, ImageConfig image, Path rootfs, Path podFiles,
      UserResolver.Resolved user, String cgroupPath, String infraPidNs, String targetPidNs, long minOomScoreAdj,
      List<CdiEdits.Hook> hooks, NodeCgroups cgroups) {}

  /**
   * What the node's cgroups mean for a container: on v2 (unified) each unprivileged container gets a cgroup
   * namespace of its own (its /sys/fs/cgroup shows its own cgroup, as containerd and CRI-O give); a privileged
   * one shares the node's and sees the node's /sys/fs/cgroup.
   */
  record NodeCgroups(boolean unified) {}

  static OciSpec build(Inputs in) {
    ContainerSpec c = in.c();
    boolean hostNet = in.pod().spec().network() == NamespaceMode.NODE;
    return new OciSpec(OciSpec.VERSION, process(in), new OciSpec.Root(in.rootfs().toString(), c.readonlyRootfs()),
        hostNet ? null : in.pod().spec().hostname(), mounts(in), hooks(in.hooks()), linux(in), Map.of());
  }

  /** The OCI hooks CDI devices bring, by the point they run at; none gives no hooks object. */
  static OciSpec.Hooks hooks(List<CdiEdits.Hook> hooks) {
    if (hooks.isEmpty()) {
      return null;
    }
    Map<String, List<OciSpec.Hook>> at = new LinkedHashMap<>();
    for (String point : List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart",
        "poststop")) {
      at.put(point, new ArrayList<>());
    }
    for (CdiEdits.Hook h : hooks) {
      at.get(h.hookName()).add(new OciSpec.Hook(h.path(), h.args(), h.env(), h.timeout()));
    }
    return new OciSpec.Hooks(at.get("prestart"), at.get("createRuntime"), at.get("createContainer"),
        at.get("startContainer"), at.get("poststart"), at.get("poststop"));
  }

  /** Docker's rule: a command replaces the entrypoint; args replace the image's cmd. */
  static List<String> argv(ContainerSpec c, ImageConfig image) {
    List<String> argv = new ArrayList<>();
    if (!c.command().isEmpty()) {
      argv.addAll(c.command());
      argv.addAll(c.args());
    } else {
      argv.addAll(image.entrypoint());
      argv.addAll(c.args().isEmpty() ? image.cmd() : c.args());
    }
    if (argv.isEmpty()) {
      throw new InvalidArgumentException("container \"" + c.name() + "\" has no command: neither the config nor the"
          + " image gives one");
    }
    return argv;
  }

  /** The image's environment with the config's on top, PATH defaulted. */
  static List<String> env(ContainerSpec c, ImageConfig image, String hostname) {
    Map<String, String> env = new LinkedHashMap<>();
    for (List<String> source : List.of(image.env(), c.env())) {
      for (String kv : source) {
        int eq = kv.indexOf('=');
        env.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
      }
    }
    env.putIfAbsent("PATH", OciDefaults.DEFAULT_PATH.substring("PATH=".length()));
    if (!hostname.isEmpty()) {
      env.putIfAbsent("HOSTNAME", hostname);
    }
    List<String> out = new ArrayList<>();
    env.forEach((k, v) -> out.add(k + "=" + v));
    return out;
  }

  private static OciSpec.Process process(Inputs in) {
    ContainerSpec c = in.c();
    String cwd = !c.workingDir().isEmpty() ? c.workingDir() : in.image().workingDir().isEmpty() ? "/" : in.image().workingDir();
    if (!cwd.startsWith("/") || cwd.startsWith("/proc/self/fd") || cwd.contains("/../") || cwd.endsWith("/..")) {
      throw new InvalidArgumentException("working directory \"" + cwd + "\" must be an absolute path inside the"
          + " container, not under /proc/self/fd");
    }
    List<String> caps = capabilities(c);
    OciSpec.Capabilities capabilities = new OciSpec.Capabilities(caps, caps, caps, List.of(), List.of());
    long oom = Math.max(c.oomScoreAdj(), in.minOomScoreAdj());
    return new OciSpec.Process(c.tty(), new OciSpec.User(in.user().uid(), in.user().gid(), in.user().additionalGids()),
        argv(c, in.image()), env(c, in.image(), in.pod().spec().hostname()), cwd, capabilities, List.of(),
        c.noNewPrivs(), (int) oom);
  }

  /** The container's seccomp filter; privileged containers run unconfined whatever they ask, as containerd's do. */
  static JsonNode seccomp(ContainerSpec c) {
    if (c.privileged()) {
      return null;
    }
    return switch (c.seccomp()) {
      case UNCONFINED -> null;
      case RUNTIME_DEFAULT -> SeccompProfiles.runtimeDefault(capabilities(c));
      case LOCALHOST -> SeccompProfiles.localhost(c.seccompLocalhost());
    };
  }

  static List<String> capabilities(ContainerSpec c) {
    return capabilitiesWithin(c, OciDefaults.ownBoundingSet());
  }

  /**
   * The container's capabilities, never beyond what jcri itself holds (as containerd gives privileged
   * containers the capabilities of its own process): asking the runtime for more makes capset fail.
   */
  static List<String> capabilitiesWithin(ContainerSpec c, Set<String> bounding) {
    return rawCapabilities(c).stream().filter(bounding::contains).toList();
  }

  private static List<String> rawCapabilities(ContainerSpec c) {
    if (c.privileged()) {
      return OciDefaults.ALL_CAPABILITIES;
    }
    Set<String> caps = new LinkedHashSet<>(OciDefaults.CAPABILITIES);
    for (String add : c.capsAdd()) {
      if (add.equalsIgnoreCase("ALL")) {
        caps.addAll(OciDefaults.ALL_CAPABILITIES);
      } else {
        caps.add(capName(add));
      }
    }
    for (String drop : c.capsDrop()) {
      if (drop.equalsIgnoreCase("ALL")) {
        caps.clear();
      } else {
        caps.remove(capName(drop));
      }
    }
    return List.copyOf(caps);
  }

  private static String capName(String cap) {
    String up = cap.toUpperCase(Locale.ROOT);
    String name = up.startsWith("CAP_") ? up : "CAP_" + up;
    if (!OciDefaults.ALL_CAPABILITIES.contains(name)) {
      throw new InvalidArgumentException("unknown capability \"" + cap + "\"");
    }
    return name;
  }

  private static List<OciSpec.Mount> mounts(Inputs in) {
    ContainerSpec c = in.c();
    List<OciSpec.Mount> mounts = new ArrayList<>(OciDefaults.baseMounts(!c.privileged(),
        in.cgroups().unified() && !ownCgroupNamespace(in)));
    Set<String> taken = new HashSet<>();
    for (ContainerSpec.MountSpec m : c.mounts()) {
      taken.add(m.containerPath());
    }
    Path files = in.podFiles();
    for (String[] f : new String[][] {{"/etc/hostname", "hostname"}, {"/etc/hosts", "hosts"},
        {"/etc/resolv.conf", "resolv.conf"}}) {
      if (!taken.contains(f[0])) {
        mounts.add(new OciSpec.Mount(f[0], "bind", files.resolve(f[1]).toString(),
            List.of("rbind", "rprivate", c.readonlyRootfs() ? "ro" : "rw")));
      }
    }
    if (!taken.contains("/dev/shm")) {
      String shm = in.pod().shmMounted() ? files.resolve("shm").toString() : "/dev/shm";
      mounts.add(new OciSpec.Mount("/dev/shm", "bind", shm, List.of("rbind", "rprivate", "rw")));
    }
    for (ContainerSpec.MountSpec m : c.mounts()) {
      if (!m.containerPath().startsWith("/") || m.containerPath().contains("/../") || m.containerPath().endsWith("/..")) {
        throw new InvalidArgumentException("mount target \"" + m.containerPath() + "\" must be an absolute path"
            + " without \"..\"");
      }
      if (!m.hostPath().startsWith("/")) {
        throw new InvalidArgumentException("mount source \"" + m.hostPath() + "\" must be an absolute host path");
      }
      Path host = Path.of(m.hostPath());
      if (!Files.exists(host)) {
        try {
          Files.createDirectories(host);
        } catch (IOException e) {
          throw new InvalidArgumentException("mount source " + host + " does not exist and cannot be created: "
              + e.getMessage());
        }
      }
      String propagation = switch (m.propagation()) {
        case PRIVATE -> "rprivate";
        case HOST_TO_CONTAINER -> {
          MountPropagation.require(host, false);
          yield "rslave";
        }
        case BIDIRECTIONAL -> {
          MountPropagation.require(host, true);
          yield "rshared";
        }
      };
      List<String> opts = new ArrayList<>(List.of("rbind", propagation, m.readonly() ? "ro" : "rw"));
      opts.addAll(m.options());
      mounts.add(new OciSpec.Mount(m.containerPath(), "bind", host.toString(), opts));
    }
    return mounts;
  }

  private static boolean ownCgroupNamespace(Inputs in) {
    return in.cgroups().unified() && !in.c().privileged();
  }

  private static OciSpec.Linux linux(Inputs in) {
    ContainerSpec c = in.c();
    Map<String, String> pins = in.pod().pins();
    List<OciSpec.Namespace> ns = new ArrayList<>();
    ns.add(new OciSpec.Namespace("mount", null));
    if (pins.containsKey("user")) {
      ns.add(new OciSpec.Namespace("user", pins.get("user")));
    }
    if (pins.containsKey("net")) {
      ns.add(new OciSpec.Namespace("network", pins.get("net")));
    }
    if (pins.containsKey("ipc")) {
      ns.add(new OciSpec.Namespace("ipc", pins.get("ipc")));
    }
    if (pins.containsKey("uts")) {
      ns.add(new OciSpec.Namespace("uts", pins.get("uts")));
    }
    switch (c.pid()) {
      case CONTAINER -> ns.add(new OciSpec.Namespace("pid", null));
      case POD -> ns.add(new OciSpec.Namespace("pid", in.infraPidNs()));
      case TARGET -> ns.add(new OciSpec.Namespace("pid", in.targetPidNs()));
      case NODE -> { }
    }
    if (ownCgroupNamespace(in)) {
      ns.add(new OciSpec.Namespace("cgroup", null));
    }
    var r = c.resources();
    OciSpec.Cpu cpu = new OciSpec.Cpu(r.cpuShares() > 0 ? r.cpuShares() : null,
        r.cpuQuotaMicros() > 0 ? r.cpuQuotaMicros() : null, r.cpuPeriodMicros() > 0 ? r.cpuPeriodMicros() : null,
        r.cpusetCpus().isEmpty() ? null : r.cpusetCpus(), r.cpusetMems().isEmpty() ? null : r.cpusetMems());
    OciSpec.Memory mem = r.memoryLimitBytes() > 0 ? new OciSpec.Memory(r.memoryLimitBytes(),
        r.memorySwapBytes() > 0 ? r.memorySwapBytes() : null) : null;
    HostDevices.Resolved devices = HostDevices.resolve(c.devices());
    List<OciSpec.DeviceRule> deviceRules = new ArrayList<>(c.privileged()
        ? List.of(new OciSpec.DeviceRule(true, null, null, null, "rwm")) : OciDefaults.DENY_ALL_DEVICES);
    deviceRules.addAll(devices.rules());
    OciSpec.Resources resources = new OciSpec.Resources(deviceRules, mem, cpu,
        r.pidsLimit() > 0 ? new OciSpec.Pids(r.pidsLimit()) : null,
        r.hugepageLimits().entrySet().stream().map(e -> new OciSpec.HugepageLimit(e.getKey(), e.getValue())).toList(),
        r.unified());
    boolean shared = c.mounts().stream().anyMatch(m -> m.propagation() == ContainerSpec.Propagation.BIDIRECTIONAL);
    boolean slave = c.mounts().stream().anyMatch(m -> m.propagation() == ContainerSpec.Propagation.HOST_TO_CONTAINER);
    var userns = pins.containsKey("user") ? in.pod().spec().userns() : null;
    return new OciSpec.Linux(ns, userns == null ? List.of() : userns.ociUidMappings(),
        userns == null ? List.of() : userns.ociGidMappings(), in.cgroupPath(), resources, Map.of(),
        c.privileged() ? List.of() : c.maskedPaths().isEmpty() ? OciDefaults.MASKED_PATHS : c.maskedPaths(),
        c.privileged() ? List.of() : c.readonlyPaths().isEmpty() ? OciDefaults.READONLY_PATHS : c.readonlyPaths(),
        shared ? "rshared" : slave ? "rslave" : null,
        devices.nodes(), seccomp(c));
  }
}
