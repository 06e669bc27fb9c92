package dev.jcri.server.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jcri.common.JcriException;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.DNSConfig;
import dev.jcri.cri.v1.LinuxContainerConfig;
import dev.jcri.cri.v1.LinuxContainerResources;
import dev.jcri.cri.v1.LinuxContainerSecurityContext;
import dev.jcri.cri.v1.LinuxPodSandboxConfig;
import dev.jcri.cri.v1.LinuxSandboxSecurityContext;
import dev.jcri.cri.v1.Mount;
import dev.jcri.cri.v1.NamespaceOption;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PodSandboxMetadata;
import dev.jcri.cri.v1.PortMapping;
import dev.jcri.cri.v1.SELinuxOption;
import dev.jcri.image.testing.FuzzInput;
import dev.jcri.sandbox.container.ContainerSpec;
import dev.jcri.sandbox.pod.PodSpec;
import dev.jcri.sandbox.pod.PodSpecValidator;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * CRI requests with fields of the pod author's choosing, through the edge's conversions and the validators:
 * each is accepted or refused with one of jcri's typed errors (a gRPC status), never anything else; what is
 * accepted cannot reach outside its place (a DNS entry stays one word of one resolv.conf line, a unified key
 * stays a file of its cgroup directory).
 */
class CriRequestsFuzzTest {

  static final List<String> WORDS = List.of("cluster.local", "svc", "ndots:5", "10.96.0.10", "fd00::a", "a b",
      "\n", "nameserver 6.6.6.6", "..", "/", "memory.high", "cgroup.procs", "../../etc/x", "", "\t", "%eth0",
      "memory.oom.group", "Memory", "x".repeat(300));

  static String word(FuzzInput in) {
    return in.bool() ? FuzzInput.joined(in, WORDS, 3) : in.text(40);
  }

  static void target(FuzzInput in) {
    DNSConfig.Builder dns = DNSConfig.newBuilder();
    for (int i = in.intIn(0, 3); i > 0; i--) {
      dns.addServers(word(in));
    }
    for (int i = in.intIn(0, 3); i > 0; i--) {
      dns.addSearches(word(in));
    }
    for (int i = in.intIn(0, 3); i > 0; i--) {
      dns.addOptions(word(in));
    }
    LinuxContainerResources.Builder res = LinuxContainerResources.newBuilder();
    for (int i = in.intIn(0, 2); i > 0; i--) {
      res.putUnified(word(in), word(in));
    }
    SELinuxOption.Builder se = SELinuxOption.newBuilder();
    if (in.intIn(0, 5) == 0) {
      se.setType(word(in));
    }
    PodSandboxConfig pod = PodSandboxConfig.newBuilder()
        .setMetadata(PodSandboxMetadata.newBuilder().setName(word(in)).setNamespace("n").setUid("u"))
        .setHostname(word(in)).setDnsConfig(dns)
        .addPortMappings(PortMapping.newBuilder().setContainerPort(in.intIn(-5, 70000))
            .setHostPort(in.intIn(-5, 70000)).setProtocolValue(in.intIn(-1, 4)))
        .setLinux(LinuxPodSandboxConfig.newBuilder().setOverhead(res).setSecurityContext(
            LinuxSandboxSecurityContext.newBuilder().setSelinuxOptions(se).setNamespaceOptions(
                NamespaceOption.newBuilder().setNetworkValue(in.intIn(-1, 4)).setPidValue(in.intIn(-1, 4)))))
        .build();
    try {
      PodSpec spec = PodProtos.toSpec(pod, "");
      PodSpecValidator.validateDns(spec.dns());
      for (String entry : concat(spec.dns().searches(), spec.dns().options(), spec.dns().servers())) {
        assertTrue(entry.chars().noneMatch(ch -> ch <= 0x20 || ch == 0x7f), "one word: " + entry);
      }
      spec.overhead().unified().keySet().forEach(CriRequestsFuzzTest::staysInItsCgroup);
    } catch (JcriException refused) {
      // a typed refusal becomes a gRPC status
    }

    ContainerConfig ctr = ContainerConfig.newBuilder()
        .setMetadata(ContainerMetadata.newBuilder().setName(word(in)))
        .addMounts(Mount.newBuilder().setContainerPath(word(in)).setHostPath(word(in))
            .setPropagationValue(in.intIn(-1, 4)))
        .setLinux(LinuxContainerConfig.newBuilder().setResources(res).setSecurityContext(
            LinuxContainerSecurityContext.newBuilder().setSelinuxOptions(se).setNamespaceOptions(
                NamespaceOption.newBuilder().setPidValue(in.intIn(-1, 4)))))
        .build();
    try {
      ContainerSpec spec = ContainerProtos.toSpec(ctr);
      spec.resources().unified().keySet().forEach(CriRequestsFuzzTest::staysInItsCgroup);
    } catch (JcriException refused) {
      // a typed refusal becomes a gRPC status
    }
  }

  static void staysInItsCgroup(String key) {
    Path dir = Path.of("/sys/fs/cgroup/kubepods/pod1");
    assertEquals(dir, dir.resolve(key).normalize().getParent(), "unified key " + key);
  }

  static List<String> concat(List<String> a, List<String> b, List<String> c) {
    return java.util.stream.Stream.of(a, b, c).flatMap(List::stream).toList();
  }

  @FuzzTest(maxDuration = "2m")
  void fuzz(FuzzedDataProvider data) {
    target(FuzzInput.of(data));
  }

  @Test
  void randomInputs() {
    FuzzInput.runRandom(3000, 37, CriRequestsFuzzTest::target);
  }
}
