package dev.jcri.sandbox.pod;

import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jcri.common.InvalidArgumentException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every DNS entry becomes a word of resolv.conf: none may add a line. */
class DnsValidationTest {

  @Test
  void controlCharactersAndSpaces_areRefusedInEveryField() {
    for (String bad : List.of("a.example\nnameserver 6.6.6.6", "a b", "tab\there", "x\u0000", "")) {
      assertThrows(InvalidArgumentException.class, () -> PodSpecValidator.validateDns(
          new PodSpec.Dns(List.of(), List.of(bad), List.of())), bad);
      assertThrows(InvalidArgumentException.class, () -> PodSpecValidator.validateDns(
          new PodSpec.Dns(List.of(), List.of(), List.of(bad))), bad);
    }
    for (String server : List.of("8.8.8.8\nnameserver 6.6.6.6", "dns.example", "1.2.3.4 5.6.7.8")) {
      assertThrows(InvalidArgumentException.class, () -> PodSpecValidator.validateDns(
          new PodSpec.Dns(List.of(server), List.of(), List.of())), server);
    }
  }

  @Test
  void kubeletsUsualConfig_isAccepted() {
    PodSpecValidator.validateDns(new PodSpec.Dns(List.of("10.96.0.10", "fd00::a", "fe80::1%eth0"),
        List.of("default.svc.cluster.local", "svc.cluster.local", "cluster.local"), List.of("ndots:5", "edns0")));
  }
}
