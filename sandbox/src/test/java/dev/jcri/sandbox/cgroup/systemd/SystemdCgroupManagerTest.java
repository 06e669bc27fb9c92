package dev.jcri.sandbox.cgroup.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jcri.common.InvalidArgumentException;
import dev.jcri.sandbox.cgroup.CgroupManager;
import dev.jcri.sandbox.cgroup.CgroupResources;
import dev.jcri.sandbox.cgroup.CgroupStats;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The driver's logic against a recording systemd and cgroupfs; the real ones are in the node tests. */
class SystemdCgroupManagerTest {

  private final List<String> calls = new ArrayList<>();
  private final Set<String> existing = new HashSet<>();

  private final SystemdUnits units = new SystemdUnits() {
    @Override
    public void startSlice(String name, List<UnitProperty> properties) {
      calls.add("start " + name);
    }

    @Override
    public void setProperties(String unit, List<UnitProperty> properties) {
      calls.add("set " + unit + " " + properties);
    }

    @Override
    public void stop(String unit) {
      calls.add("stop " + unit);
    }

    @Override
    public void close() {}
  };

  private final CgroupManager files = new CgroupManager() {
    @Override
    public List<String> create(String path) {
      throw new AssertionError("the driver never makes cgroup directories itself");
    }

    @Override
    public void apply(String path, CgroupResources resources) {
      calls.add("write " + path);
    }

    @Override
    public void remove(List<String> created) {
      throw new AssertionError("the driver never removes cgroup directories itself");
    }

    @Override
    public CgroupStats stats(String path) {
      calls.add("read " + path);
      return null;
    }

    @Override
    public boolean exists(String path) {
      return existing.contains(path);
    }

    @Override
    public List<String> below(String path) {
      return path.endsWith(".scope") ? List.of(path + "/container") : List.of();
    }

    @Override
    public boolean isUnified() {
      return true;
    }
  };

  private final SystemdCgroupManager driver = new SystemdCgroupManager(units, files);

  @Test
  void kubeletsSlice_isUsedAsItIs_andLeftToKubelet() {
    existing.add("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice");
    String pod = driver.podCgroup("kubepods-burstable-pod1.slice", "p1");
    assertEquals(List.of(), driver.create(pod));
    driver.remove(List.of());
    assertEquals(List.of(), calls);
  }

  @Test
  void ownSlice_isStartedWhenMissing_andStoppedOnRemove() {
    String pod = driver.podCgroup("", "abc");
    assertEquals("jcri-podabc.slice", pod);
    List<String> created = driver.create(pod);
    assertEquals(List.of("jcri-podabc.slice"), created);
    driver.remove(created);
    assertEquals(List.of("start jcri-podabc.slice", "stop jcri-podabc.slice"), calls);
  }

  @Test
  void containerScopes_areTheRuntimes_limitsGoToSystemdAndTheFiles() {
    String ctr = driver.child("jcri-podabc.slice", "ctr-1");
    assertEquals("jcri-podabc.slice:jcri:ctr-1", ctr);
    assertEquals(List.of(), driver.create(ctr), "the runtime makes the scope");
    driver.apply(ctr, new CgroupResources(0, 0, 0, 1 << 20, "", "", 0));
    driver.stats(ctr);
    assertEquals(List.of("set jcri-ctr-1.scope [MemoryMax=1048576]",
        "write /jcri.slice/jcri-podabc.slice/jcri-ctr-1.scope",
        "write /jcri.slice/jcri-podabc.slice/jcri-ctr-1.scope/container",
        "read /jcri.slice/jcri-podabc.slice/jcri-ctr-1.scope"), calls, "the limit reaches crun's cgroup in the scope");
  }

  @Test
  void cgroupfsParent_isRefusedBeforeAnythingIsMade() {
    assertThrows(InvalidArgumentException.class, () -> driver.podCgroup("/kubepods/burstable/pod1", "p"));
    assertEquals(List.of(), calls);
  }
}
