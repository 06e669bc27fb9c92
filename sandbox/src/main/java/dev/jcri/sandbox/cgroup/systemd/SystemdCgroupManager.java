package dev.jcri.sandbox.cgroup.systemd;

import dev.jcri.sandbox.cgroup.CgroupManager;
import dev.jcri.sandbox.cgroup.CgroupResources;
import dev.jcri.sandbox.cgroup.CgroupStats;
import java.util.ArrayList;
import java.util.List;

/**
 * The systemd cgroup driver: pod cgroups are slices, made as transient units when kubelet has not made them;
 * containers' are scopes their OCI runtime makes ({@code --systemd-cgroup}). Limits go to systemd as unit
 * properties and, for what systemd has no property for (hugepages, unified files), to the cgroup files, which
 * are read through {@code files} at the path systemd gives each unit.
 */
public final class SystemdCgroupManager implements CgroupManager {

  /** The slice of jcri's own pods when kubelet gives no parent: jcri-pod&lt;id&gt;.slice under jcri.slice. */
  static final String OWN_SLICE_PREFIX = "jcri-pod";

  private final SystemdUnits units;
  private final CgroupManager files;

  public SystemdCgroupManager(SystemdUnits units, CgroupManager files) {
    this.units = units;
    this.files = files;
  }

  @Override
  public String podCgroup(String parent, String podId) {
    return parent.isEmpty() ? OWN_SLICE_PREFIX + podId + ".slice" : SystemdNames.podSlice(parent);
  }

  @Override
  public String child(String pod, String name) {
    return SystemdNames.scopeSpec(pod, name);
  }

  /** Starts the slice unless it is there (kubelet makes each pod's before RunPodSandbox); scopes are the runtime's. */
  @Override
  public List<String> create(String cgroup) {
    String unit = SystemdNames.unitOf(cgroup);
    if (!unit.endsWith(".slice") || files.exists(SystemdNames.cgroupfsPath(cgroup))) {
      return List.of();
    }
    units.startSlice(unit, List.of(
        new UnitProperty("Description", "jcri pod slice " + unit),
        new UnitProperty("DefaultDependencies", false),
        new UnitProperty("CPUAccounting", true),
        new UnitProperty("MemoryAccounting", true),
        new UnitProperty("TasksAccounting", true),
        new UnitProperty("IOAccounting", true)));
    return List.of(unit);
  }

  @Override
  public void apply(String cgroup, CgroupResources resources) {
    List<UnitProperty> properties = SystemdResources.of(resources, files.isUnified());
    if (!properties.isEmpty()) {
      units.setProperties(SystemdNames.unitOf(cgroup), properties);
    }
    String path = SystemdNames.cgroupfsPath(cgroup);
    files.apply(path, resources);
    // crun runs a container in a sub-cgroup of its scope and puts the limits there: updates must reach it too.
    for (String sub : files.below(path)) {
      files.apply(sub, resources);
    }
  }

  /** Stops the slices {@link #create} started, deepest first; what runs in them is killed by systemd. */
  @Override
  public void remove(List<String> created) {
    List<String> order = new ArrayList<>(created);
    java.util.Collections.reverse(order);
    for (String unit : order) {
      units.stop(unit);
    }
  }

  @Override
  public CgroupStats stats(String cgroup) {
    return files.stats(SystemdNames.cgroupfsPath(cgroup));
  }

  @Override
  public boolean exists(String cgroup) {
    return files.exists(SystemdNames.cgroupfsPath(cgroup));
  }

  @Override
  public boolean isUnified() {
    return files.isUnified();
  }

  @Override
  public boolean swapAccounting() {
    return files.swapAccounting();
  }

  @Override
  public boolean systemd() {
    return true;
  }
}
