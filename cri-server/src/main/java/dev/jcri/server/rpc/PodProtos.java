package dev.jcri.server.rpc;

import dev.jcri.common.InvalidArgumentException;
import dev.jcri.cri.v1.CpuUsage;
import dev.jcri.cri.v1.IoUsage;
import dev.jcri.cri.v1.PsiData;
import dev.jcri.cri.v1.PsiStats;
import dev.jcri.cri.v1.LinuxContainerResources;
import dev.jcri.cri.v1.LinuxPodSandboxStats;
import dev.jcri.cri.v1.LinuxPodSandboxStatus;
import dev.jcri.cri.v1.MemoryUsage;
import dev.jcri.cri.v1.Namespace;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.NetworkInterfaceUsage;
import dev.jcri.cri.v1.NetworkUsage;
import dev.jcri.cri.v1.PodIP;
import dev.jcri.cri.v1.PodSandboxAttributes;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PodSandboxNetworkStatus;
import dev.jcri.cri.v1.PodSandboxState;
import dev.jcri.cri.v1.PodSandboxStats;
import dev.jcri.cri.v1.PodSandboxStatus;
import dev.jcri.cri.v1.ProcessUsage;
import dev.jcri.cri.v1.UInt64Value;
import dev.jcri.sandbox.cgroup.CgroupResources;
import dev.jcri.sandbox.cgroup.CgroupStats;
import dev.jcri.sandbox.cgroup.Pressure;
import dev.jcri.sandbox.cni.PortMapping;
import dev.jcri.sandbox.pod.NamespaceMode;
import dev.jcri.sandbox.pod.PodSandbox;
import dev.jcri.sandbox.pod.PodSpec;
import dev.jcri.sandbox.pod.PodStats;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Conversions between the CRI's pod messages and the sandbox module's records. */
final class PodProtos {

  private PodProtos() {}

  static PodSpec toSpec(PodSandboxConfig c, String runtimeHandler) {
    NamespaceOption ns = c.getLinux().getSecurityContext().getNamespaceOptions();
    ContainerProtos.refuseSelinux(c.getLinux().getSecurityContext().getSelinuxOptions(), "pod "
        + c.getMetadata().getName());
    List<PortMapping> ports = c.getPortMappingsList().stream()
        .filter(p -> p.getHostPort() > 0)
        .map(p -> new PortMapping(p.getHostPort(), p.getContainerPort(), protocol(p.getProtocolValue()),
            p.getHostIp()))
        .toList();
    return new PodSpec(
        c.getMetadata().getName(), c.getMetadata().getNamespace(), c.getMetadata().getUid(),
        c.getMetadata().getAttempt(), c.getHostname(), c.getLogDirectory(),
        new PodSpec.Dns(c.getDnsConfig().getServersList(), c.getDnsConfig().getSearchesList(),
            c.getDnsConfig().getOptionsList()),
        ports, c.getLabelsMap(), c.getAnnotationsMap(), c.getLinux().getCgroupParent(),
        mode(ns.getNetworkValue()), mode(ns.getPidValue()), mode(ns.getIpcValue()),
        c.getLinux().getSysctlsMap(), runtimeHandler,
        resources(c.getLinux().getOverhead()), resources(c.getLinux().getResources()), userns(ns));
  }

  /** The pod's own user namespace when kubelet asks for one (mode POD with mappings), else null. */
  static PodSpec.UserNamespace userns(NamespaceOption ns) {
    if (!ns.hasUsernsOptions()) {
      return null;
    }
    var u = ns.getUsernsOptions();
    return switch (mode(u.getModeValue())) {
      case NODE -> null;
      case POD -> new PodSpec.UserNamespace(
          u.getUidsList().stream().map(m -> new PodSpec.IdMapping(Integer.toUnsignedLong(m.getContainerId()),
              Integer.toUnsignedLong(m.getHostId()), Integer.toUnsignedLong(m.getLength()))).toList(),
          u.getGidsList().stream().map(m -> new PodSpec.IdMapping(Integer.toUnsignedLong(m.getContainerId()),
              Integer.toUnsignedLong(m.getHostId()), Integer.toUnsignedLong(m.getLength()))).toList());
      default -> throw new InvalidArgumentException("user namespace mode " + u.getMode()
          + " is not supported; use NODE (the node's users) or POD (a user namespace for the pod)");
    };
  }

  static String protocol(int value) {
    return switch (value) {
      case 0 -> "tcp";
      case 1 -> "udp";
      case 2 -> "sctp";
      default -> throw new InvalidArgumentException("unknown port mapping protocol " + value
          + " (expected TCP=0, UDP=1, SCTP=2)");
    };
  }

  static NamespaceMode mode(int value) {
    return switch (value) {
      case 0 -> NamespaceMode.POD;
      case 1 -> NamespaceMode.CONTAINER;
      case 2 -> NamespaceMode.NODE;
      case 3 -> NamespaceMode.TARGET;
      default -> throw new InvalidArgumentException("unknown namespace mode " + value
          + " (expected POD=0, CONTAINER=1, NODE=2, TARGET=3)");
    };
  }

  static CgroupResources resources(LinuxContainerResources r) {
    Map<String, Long> hugepages = new LinkedHashMap<>();
    r.getHugepageLimitsList().forEach(h -> hugepages.put(h.getPageSize(), h.getLimit()));
    return new CgroupResources(r.getCpuShares(), r.getCpuQuota(), r.getCpuPeriod(), r.getMemoryLimitInBytes(),
        r.getCpusetCpus(), r.getCpusetMems(), 0, hugepages, r.getMemorySwapLimitInBytes(), r.getUnifiedMap());
  }

  static PodSandboxMetadata metadata(PodSpec s) {
    return PodSandboxMetadata.newBuilder().setName(s.name()).setNamespace(s.namespace()).setUid(s.uid())
        .setAttempt(s.attempt()).build();
  }

  static PodSandboxState state(PodSandbox p) {
    return p.state() == PodSandbox.State.READY ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY;
  }

  static PodSandboxStatus status(PodSandbox p) {
    PodSpec s = p.spec();
    PodSandboxNetworkStatus.Builder net = PodSandboxNetworkStatus.newBuilder();
    if (!p.ips().isEmpty()) {
      net.setIp(p.ips().getFirst());
      p.ips().stream().skip(1).forEach(ip -> net.addAdditionalIps(PodIP.newBuilder().setIp(ip)));
    }
    return PodSandboxStatus.newBuilder()
        .setId(p.id())
        .setMetadata(metadata(s))
        .setState(state(p))
        .setCreatedAt(p.createdAt())
        .setNetwork(net)
        .setLinux(LinuxPodSandboxStatus.newBuilder().setNamespaces(Namespace.newBuilder().setOptions(
            NamespaceOption.newBuilder().setNetworkValue(s.network().ordinal()).setPidValue(s.pid().ordinal())
                .setIpcValue(s.ipc().ordinal()))))
        .putAllLabels(s.labels())
        .putAllAnnotations(s.annotations())
        .setRuntimeHandler(s.runtimeHandler())
        .build();
  }

  static dev.jcri.cri.v1.PodSandbox listItem(PodSandbox p) {
    return dev.jcri.cri.v1.PodSandbox.newBuilder()
        .setId(p.id())
        .setMetadata(metadata(p.spec()))
        .setState(state(p))
        .setCreatedAt(p.createdAt())
        .putAllLabels(p.spec().labels())
        .putAllAnnotations(p.spec().annotations())
        .setRuntimeHandler(p.spec().runtimeHandler())
        .build();
  }

  static CpuUsage cpu(CgroupStats c) {
    CpuUsage.Builder cpu = CpuUsage.newBuilder().setTimestamp(c.atNanos())
        .setUsageCoreNanoSeconds(u64(c.cpuUsageNanos()));
    if (c.pressure().cpu() != null) {
      cpu.setPsi(psi(c.pressure().cpu()));
    }
    return cpu.build();
  }

  static MemoryUsage memory(CgroupStats c) {
    MemoryUsage.Builder memory = MemoryUsage.newBuilder().setTimestamp(c.atNanos())
        .setWorkingSetBytes(u64(c.memoryWorkingSetBytes())).setUsageBytes(u64(c.memoryUsageBytes()))
        .setRssBytes(u64(c.memoryRssBytes()));
    if (c.pressure().memory() != null) {
      memory.setPsi(psi(c.pressure().memory()));
    }
    return memory.build();
  }

  /** cgroup v2 pressure as the CRI has it: totals in nanoseconds (the kernel's are microseconds), as containerd. */
  static PsiStats psi(Pressure.Stall stall) {
    PsiStats.Builder b = PsiStats.newBuilder();
    if (stall.some() != null) {
      b.setSome(psi(stall.some()));
    }
    if (stall.full() != null) {
      b.setFull(psi(stall.full()));
    }
    return b.build();
  }

  private static PsiData psi(Pressure.Line line) {
    return PsiData.newBuilder().setTotal(line.totalMicros() * 1000).setAvg10(line.avg10()).setAvg60(line.avg60())
        .setAvg300(line.avg300()).build();
  }

  static PodSandboxStats stats(PodSandbox p, PodStats st) {
    CgroupStats c = st.cgroup();
    long ts = c.atNanos();
    LinuxPodSandboxStats.Builder linux = LinuxPodSandboxStats.newBuilder()
        .setCpu(cpu(c))
        .setMemory(memory(c))
        .setProcess(ProcessUsage.newBuilder().setTimestamp(ts).setProcessCount(u64(c.pids())));
    if (c.pressure().io() != null) {
      linux.setIo(IoUsage.newBuilder().setTimestamp(ts).setPsi(psi(c.pressure().io())));
    }
    if (!st.interfaces().isEmpty()) {
      NetworkUsage.Builder net = NetworkUsage.newBuilder().setTimestamp(ts);
      for (PodStats.NetStats n : st.interfaces()) {
        NetworkInterfaceUsage iface = NetworkInterfaceUsage.newBuilder().setName(n.iface())
            .setRxBytes(u64(n.rxBytes())).setRxErrors(u64(n.rxErrors()))
            .setTxBytes(u64(n.txBytes())).setTxErrors(u64(n.txErrors())).build();
        if (n.iface().equals("eth0")) {
          net.setDefaultInterface(iface);
        }
        net.addInterfaces(iface);
      }
      linux.setNetwork(net);
    }
    return PodSandboxStats.newBuilder()
        .setAttributes(PodSandboxAttributes.newBuilder().setId(p.id()).setMetadata(metadata(p.spec()))
            .putAllLabels(p.spec().labels()).putAllAnnotations(p.spec().annotations()))
        .setLinux(linux)
        .build();
  }

  static UInt64Value u64(long v) {
    return UInt64Value.newBuilder().setValue(v).build();
  }
}
