package dev.jcri.sandbox.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.InvalidArgumentException;
import dev.jcri.image.manifest.ImageConfig;
import dev.jcri.image.manifest.Platform;
import dev.jcri.sandbox.cgroup.CgroupResources;
import dev.jcri.sandbox.oci.OciDefaults;
import dev.jcri.sandbox.oci.OciSpec;
import dev.jcri.sandbox.pod.NamespaceMode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OciSpecFactoryTest {

  static ImageConfig image(List<String> entrypoint, List<String> cmd, List<String> env) {
    return new ImageConfig("", env, entrypoint, cmd, "/srv", "", List.of(), List.of(), Map.of(), List.of(),
        new Platform("linux", "amd64", ""));
  }

  static ContainerSpec spec(List<String> command, List<String> args, List<String> env, boolean privileged,
      List<String> add, List<String> drop) {
    return new ContainerSpec("c", 0, "img", command, args, "", env, List.of(), Map.of(), Map.of(), "", false, false,
        false, CgroupResources.NONE, 0, null, "", null, List.of(), false, privileged, add, drop, false,
        NamespaceMode.CONTAINER, "", List.of(), List.of(), ContainerSpec.Seccomp.RUNTIME_DEFAULT, "", List.of(),
        ContainerSpec.GroupsPolicy.MERGE, List.of());
  }

  @Test
  void argv_followsDockerRules() {
    ImageConfig img = image(List.of("/entry"), List.of("default-arg"), List.of());
    assertEquals(List.of("/entry", "default-arg"), OciSpecFactory.argv(spec(List.of(), List.of(), List.of(), false,
        List.of(), List.of()), img));
    assertEquals(List.of("/entry", "x"), OciSpecFactory.argv(spec(List.of(), List.of("x"), List.of(), false,
        List.of(), List.of()), img));
    assertEquals(List.of("/cmd", "y"), OciSpecFactory.argv(spec(List.of("/cmd"), List.of("y"), List.of(), false,
        List.of(), List.of()), img));
    assertThrows(InvalidArgumentException.class, () -> OciSpecFactory.argv(spec(List.of(), List.of(), List.of(),
        false, List.of(), List.of()), image(List.of(), List.of(), List.of())));
  }

  @Test
  void env_configOverridesImage_pathDefaulted() {
    List<String> env = OciSpecFactory.env(spec(List.of(), List.of(), List.of("A=config", "B=b"), false, List.of(),
        List.of()), image(List.of(), List.of(), List.of("A=image", "C=c")), "host");
    assertTrue(env.contains("A=config"));
    assertTrue(env.contains("B=b") && env.contains("C=c") && env.contains("HOSTNAME=host"));
    assertTrue(env.stream().anyMatch(e -> e.startsWith("PATH=")));
  }

  @Test
  void capabilities_addDropAllAndPrivileged_stayWithinTheBoundingSet() {
    Set<String> all = new LinkedHashSet<>(OciDefaults.ALL_CAPABILITIES);
    List<String> caps = OciSpecFactory.capabilitiesWithin(spec(List.of(), List.of(), List.of(), false,
        List.of("NET_ADMIN"), List.of("CAP_KILL")), all);
    assertTrue(caps.contains("CAP_NET_ADMIN"));
    assertFalse(caps.contains("CAP_KILL"));
    assertEquals(List.of(), OciSpecFactory.capabilitiesWithin(spec(List.of(), List.of(), List.of(), false, List.of(),
        List.of("ALL")), all));
    Set<String> bounded = new LinkedHashSet<>(all);
    bounded.remove("CAP_SYS_RESOURCE");
    List<String> privileged = OciSpecFactory.capabilitiesWithin(spec(List.of(), List.of(), List.of(), true,
        List.of(), List.of()), bounded);
    assertFalse(privileged.contains("CAP_SYS_RESOURCE"), "never more than jcri itself holds");
    assertTrue(privileged.contains("CAP_SYS_ADMIN"));
    assertThrows(InvalidArgumentException.class, () -> OciSpecFactory.capabilitiesWithin(spec(List.of(), List.of(),
        List.of(), false, List.of("NOT_A_CAP"), List.of()), all));
  }

  /** A container in the node's cgroup namespace on v2 gets the node's /sys/fs/cgroup bound, never a new mount. */
  @Test
  void cgroupMount_isABindOfTheNodesWhenTheNamespaceIsShared() {
    OciSpec.Mount shared = OciDefaults.baseMounts(false, true).getLast();
    assertEquals("bind", shared.type());
    assertEquals("/sys/fs/cgroup", shared.source());
    assertTrue(shared.options().contains("rbind") && shared.options().contains("rw"));
    OciSpec.Mount own = OciDefaults.baseMounts(true, false).getLast();
    assertEquals("cgroup", own.type());
    assertTrue(own.options().contains("ro"));
  }
}
