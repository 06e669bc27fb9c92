package dev.jcri.sandbox.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.InvalidArgumentException;
import dev.jcri.sandbox.oci.OciSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostDevicesTest {

  static HostDevices.Resolved resolve(String host, String target, String perms) {
    return HostDevices.resolve(List.of(new ContainerSpec.DeviceSpec(target, host, perms)));
  }

  @Test
  void deviceNode_becomesNodeAndRule() {
    HostDevices.Resolved r = resolve("/dev/null", "/dev/mynull", "rw");
    assertEquals(List.of(new OciSpec.Device("/dev/mynull", "c", 1, 3, 0666, 0L, 0L)), r.nodes());
    assertEquals(List.of(new OciSpec.DeviceRule(true, "c", 1L, 3L, "rw")), r.rules());
    assertEquals("/dev/zero", resolve("/dev/zero", "", "").nodes().getFirst().path(), "same path by default");
    assertEquals("rwm", resolve("/dev/zero", "", "").rules().getFirst().access());
  }

  @Test
  void outsideDevOrNotADevice_isRefused() {
    for (String host : List.of("/etc/passwd", "/dev/../etc/passwd", "dev/null", "/dev", "/dev/stdin", "/dev/fd/0",
        "/dev/no-such-device")) {
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> resolve(host, "/dev/x", "r"),
          host);
      assertTrue(e.getMessage().contains("device host path"), e.getMessage());
    }
    assertThrows(InvalidArgumentException.class, () -> resolve("/dev/null", "/dev/x", "rwx"));
    assertThrows(InvalidArgumentException.class, () -> resolve("/dev/null", "/dev/x", "rr"));
    assertThrows(InvalidArgumentException.class, () -> resolve("/dev/null", "../x", "r"));
    assertThrows(InvalidArgumentException.class, () -> resolve("/dev/null", "/dev/../../x", "r"));
  }
}
