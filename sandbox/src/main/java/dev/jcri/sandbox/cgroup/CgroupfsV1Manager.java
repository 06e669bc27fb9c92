package dev.jcri.sandbox.cgroup;

import dev.jcri.common.FailedPreconditionException;
import dev.jcri.sandbox.node.CgroupLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * cgroupfs on cgroup v1, hybrid hosts included: a directory per hierarchy (each mounted controller, named
 * hierarchies and the cgroup2 mount of a hybrid host). New cpuset cgroups get their parent's cpus and mems,
 * as runc does, or no task could join them.
 */
final class CgroupfsV1Manager implements CgroupManager {

  private final List<Path> hierarchies;
  private final Path cpu;
  private final Path cpuacct;
  private final Path memory;
  private final Path cpuset;
  private final Path pids;
  private final Path hugetlb;

  CgroupfsV1Manager(CgroupLayout layout) {
    Set<Path> roots = new LinkedHashSet<>(layout.v1Controllers().values());
    if (layout.unifiedMount() != null) {
      roots.add(layout.unifiedMount());
    }
    this.hierarchies = List.copyOf(roots);
    this.cpu = layout.v1Controllers().get("cpu");
    this.cpuacct = layout.v1Controllers().get("cpuacct");
    this.memory = layout.v1Controllers().get("memory");
    this.cpuset = layout.v1Controllers().get("cpuset");
    this.pids = layout.v1Controllers().get("pids");
    this.hugetlb = layout.v1Controllers().get("hugetlb");
  }

  @Override
  public boolean swapAccounting() {
    return memory != null && Files.exists(memory.resolve("memory.memsw.limit_in_bytes"));
  }

  /**
   * Pods started side by side share their parent cgroup: made once (with its cpuset copied from its own parent
   * before any child is made), never taken by another pod's undo or removal while a child goes in. One lock
   * for making and removing: each is a few system calls.
   */
  @Override
  public synchronized List<String> create(String path) {
    String rel = CgroupFiles.clean(path);
    List<String> created = new ArrayList<>();
    String[] parts = rel.split("/");
    StringBuilder at = new StringBuilder();
    try {
      for (String part : parts) {
        at.append('/').append(part);
        boolean made = false;
        for (Path root : hierarchies) {
          Path dir = root.resolve(at.substring(1));
          if (!Files.isDirectory(dir)) {
            Files.createDirectory(dir);
            made = true;
            if (root.equals(cpuset)) {
              Path parent = dir.getParent();
              CgroupFiles.write(dir.resolve("cpuset.cpus"), CgroupFiles.read(parent.resolve("cpuset.cpus")));
              CgroupFiles.write(dir.resolve("cpuset.mems"), CgroupFiles.read(parent.resolve("cpuset.mems")));
            }
          }
        }
        if (made) {
          created.add(at.toString());
        }
      }
    } catch (IOException | RuntimeException e) {
      remove(created);
      throw new FailedPreconditionException("creating cgroup " + path + " failed: " + e.getMessage(), e);
    }
    return created;
  }

  @Override
  public void apply(String path, CgroupResources r) {
    String rel = CgroupFiles.clean(path);
    if (r.cpuShares() > 0 && cpu != null) {
      CgroupFiles.write(cpu.resolve(rel).resolve("cpu.shares"), Long.toString(r.cpuShares()));
    }
    if (r.cpuPeriodMicros() > 0 && cpu != null) {
      CgroupFiles.write(cpu.resolve(rel).resolve("cpu.cfs_period_us"), Long.toString(r.cpuPeriodMicros()));
    }
    if (r.cpuQuotaMicros() > 0 && cpu != null) {
      CgroupFiles.write(cpu.resolve(rel).resolve("cpu.cfs_quota_us"), Long.toString(r.cpuQuotaMicros()));
    }
    if (r.memoryLimitBytes() > 0 && memory != null) {
      CgroupFiles.write(memory.resolve(rel).resolve("memory.limit_in_bytes"), Long.toString(r.memoryLimitBytes()));
    }
    if (!r.cpusetCpus().isEmpty() && cpuset != null) {
      CgroupFiles.write(cpuset.resolve(rel).resolve("cpuset.cpus"), r.cpusetCpus());
    }
    if (!r.cpusetMems().isEmpty() && cpuset != null) {
      CgroupFiles.write(cpuset.resolve(rel).resolve("cpuset.mems"), r.cpusetMems());
    }
    if (r.pidsLimit() > 0 && pids != null) {
      CgroupFiles.write(pids.resolve(rel).resolve("pids.max"), Long.toString(r.pidsLimit()));
    }
    if (r.memorySwapBytes() > 0 && memory != null
        && Files.exists(memory.resolve(rel).resolve("memory.memsw.limit_in_bytes"))) {
      CgroupFiles.write(memory.resolve(rel).resolve("memory.memsw.limit_in_bytes"), Long.toString(r.memorySwapBytes()));
    }
    r.hugepageLimits().forEach((size, limit) -> {
      Path file = hugetlb == null ? null : hugetlb.resolve(rel).resolve("hugetlb." + size + ".limit_in_bytes");
      if (file == null || !Files.exists(file)) {
        throw new FailedPreconditionException("hugepages of " + size + " cannot be limited on this"
            + " node (no hugetlb." + size + " in the hugetlb controller)");
      }
      CgroupFiles.write(file, Long.toString(limit));
    });
    if (!r.unified().isEmpty()) {
      throw new FailedPreconditionException("unified resources " + r.unified().keySet()
          + " need cgroup v2; this node runs cgroup v1 controllers");
    }
  }

  @Override
  public synchronized void remove(List<String> created) {
    CgroupFiles.removeCreated(created, rel -> hierarchies.stream().map(h -> h.resolve(rel)).toList());
  }

  @Override
  public CgroupStats stats(String path) {
    String rel = CgroupFiles.clean(path);
    long cpuNanos = cpuacct == null ? 0 : CgroupFiles.readLong(cpuacct.resolve(rel).resolve("cpuacct.usage"));
    long usage = 0;
    long workingSet = 0;
    long rss = 0;
    if (memory != null) {
      Path dir = memory.resolve(rel);
      usage = CgroupFiles.readLong(dir.resolve("memory.usage_in_bytes"));
      long[] stat = CgroupFiles.statValues(dir.resolve("memory.stat"), "total_inactive_file", "total_rss");
      workingSet = Math.max(0, usage - stat[0]);
      rss = stat[1];
    }
    long tasks = pids == null ? 0 : CgroupFiles.readLong(pids.resolve(rel).resolve("pids.current"));
    return new CgroupStats(cpuNanos, usage, workingSet, rss, tasks, System.currentTimeMillis() * 1_000_000L);
  }

  @Override
  public boolean exists(String path) {
    String rel = CgroupFiles.clean(path);
    return hierarchies.stream().anyMatch(h -> Files.isDirectory(h.resolve(rel)));
  }
}
