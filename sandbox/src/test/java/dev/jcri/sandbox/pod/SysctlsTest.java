package dev.jcri.sandbox.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jcri.common.InvalidArgumentException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SysctlsTest {

  @Test
  void namespacedSysctls_areAccepted_slashesBecomeDots() {
    assertEquals(Map.of("net.ipv4.conf.all.rp_filter", "1", "kernel.shmmax", "1000", "fs.mqueue.msg_max", "10"),
        Sysctls.validate(Map.of("net/ipv4/conf/all/rp_filter", "1", "kernel.shmmax", "1000",
            "fs.mqueue.msg_max", "10"), true, true));
    assertEquals(Map.of("net.ipv4.ip_local_port_range", "1024 65000"),
        Sysctls.validate(Map.of("net.ipv4.ip_local_port_range", "1024 65000"), true, false));
  }

  @Test
  void injectionAndHostWideSysctls_areRefused() {
    for (Map<String, String> bad : java.util.List.of(
        Map.of("kernel.shm_rmid_forced", "1+kernel.core_pattern=|/x"),
        Map.of("net.core.somaxconn", "1\nkernel.core_pattern=x"),
        Map.of("kernel.core_pattern", "x"),
        Map.of("net.ipv4.ip_forward=1", "1"),
        Map.of("net/../kernel/core_pattern", "1"),
        Map.of("net.core.somaxconn", ""))) {
      assertThrows(InvalidArgumentException.class, () -> Sysctls.validate(bad, true, true), bad.toString());
    }
    assertThrows(InvalidArgumentException.class, () -> Sysctls.validate(Map.of("net.core.somaxconn", "1"), false, true));
    assertThrows(InvalidArgumentException.class, () -> Sysctls.validate(Map.of("kernel.sem", "1 2 3 4"), true, false));
  }
}
