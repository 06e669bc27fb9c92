package dev.jcri.sandbox.cgroup.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.InvalidArgumentException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SystemdNamesTest {

  @Test
  void slicePath_eachDashIsALevel() {
    assertEquals("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b.slice",
        SystemdNames.slicePath("kubepods-burstable-pod1a2b.slice"));
    assertEquals("/system.slice", SystemdNames.slicePath("system.slice"));
    assertEquals("/", SystemdNames.slicePath("-.slice"));
  }

  @Test
  void scopes_areNamedPrefixDashName_inTheirSlice() {
    String spec = SystemdNames.scopeSpec("kubepods-besteffort-pod9.slice", "ctr-abc");
    assertEquals("kubepods-besteffort-pod9.slice:jcri:ctr-abc", spec);
    assertEquals("jcri-ctr-abc.scope", SystemdNames.unitOf(spec));
    assertEquals("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod9.slice/jcri-ctr-abc.scope",
        SystemdNames.cgroupfsPath(spec));
    assertEquals("kubepods.slice", SystemdNames.unitOf("kubepods.slice"));
  }

  /** cgroupfs paths, path tricks and names systemd refuses are refused with what to send instead. */
  @Test
  void checkSlice_refusesWhatIsNoSliceName() {
    for (String bad : List.of("/kubepods/burstable/pod1", "kubepods", "a--b.slice", "-a.slice", "a-.slice",
        "../x.slice", "a/b.slice", ".slice", "a b.slice", "x".repeat(300) + ".slice")) {
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> SystemdNames.checkSlice(bad),
          bad);
      assertTrue(e.getMessage().contains("kubepods-burstable-pod<uid>.slice"), e.getMessage());
    }
    assertThrows(InvalidArgumentException.class, () -> SystemdNames.unitOf("a.slice:jcri"));
  }

  @Test
  void podSlice_takesTheNameOrThePathKubeletSends() {
    assertEquals("kubepods-burstable-pod1a2b.slice", SystemdNames.podSlice("kubepods-burstable-pod1a2b.slice"));
    assertEquals("kubepods-burstable-pod1a2b.slice",
        SystemdNames.podSlice("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b.slice"),
        "kubelet's CgroupName.ToSystemd, as it sends it");
    assertEquals("test.slice", SystemdNames.podSlice("/test.slice"), "critest's");
  }

  @Test
  void podSlice_refusesAPathWhereTheSliceIsNot() {
    for (String bad : List.of("/a.slice/kubepods-pod1.slice", "/kubepods.slice/kubepods-burstable-pod1.slice",
        "/kubepods.slice/../kubepods-pod1.slice", "//test.slice", "/test.slice/", "/kubepods/burstable/pod1")) {
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> SystemdNames.podSlice(bad),
          bad);
      assertTrue(e.getMessage().contains("cgroup parent"), e.getMessage());
    }
    assertTrue(assertThrows(InvalidArgumentException.class,
        () -> SystemdNames.podSlice("/kubepods.slice/kubepods-pod1.slice/x.slice")).getMessage()
        .contains("systemd keeps at /x.slice"));
  }
}
