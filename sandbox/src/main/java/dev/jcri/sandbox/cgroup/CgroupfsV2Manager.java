package dev.jcri.sandbox.cgroup;

import dev.jcri.common.FailedPreconditionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * cgroupfs on the unified hierarchy: one directory per cgroup; the controllers a cgroup needs are enabled in
 * each parent's {@code cgroup.subtree_control} on the way down. Limits of controllers the host does not
 * offer are skipped.
 */
final class CgroupfsV2Manager implements CgroupManager {

  private static final List<String> WANTED = List.of("cpuset", "cpu", "io", "memory", "hugetlb", "pids");

  private final Path root;

  CgroupfsV2Manager(Path root) {
    this.root = root;
  }

  /** Made and removed under one lock: pods started side by side share their parent (see the v1 manager). */
  @Override
  public synchronized List<String> create(String path) {
    String rel = CgroupFiles.clean(path);
    List<String> created = new ArrayList<>();
    Path at = root;
    StringBuilder sub = new StringBuilder();
    try {
      for (String part : rel.split("/")) {
        enableControllers(at);
        at = at.resolve(part);
        sub.append('/').append(part);
        if (!Files.isDirectory(at)) {
          Files.createDirectory(at);
          created.add(sub.toString());
        }
      }
    } catch (IOException | RuntimeException e) {
      remove(created);
      throw new FailedPreconditionException("creating cgroup " + path + " failed: " + e.getMessage(), e);
    }
    return created;
  }

  private static void enableControllers(Path dir) {
    Set<String> available = Set.copyOf(Arrays.asList(CgroupFiles.read(dir.resolve("cgroup.controllers")).split(" ")));
    Set<String> enabled = Set.copyOf(Arrays.asList(CgroupFiles.read(dir.resolve("cgroup.subtree_control")).split(" ")));
    StringBuilder add = new StringBuilder();
    for (String c : WANTED) {
      if (available.contains(c) && !enabled.contains(c)) {
        add.append(add.isEmpty() ? "" : " ").append('+').append(c);
      }
    }
    if (!add.isEmpty()) {
      CgroupFiles.write(dir.resolve("cgroup.subtree_control"), add.toString());
    }
  }

  @Override
  public boolean isUnified() {
    return true;
  }

  @Override
  public void apply(String path, CgroupResources r) {
    Path dir = root.resolve(CgroupFiles.clean(path));
    long weight = CgroupResources.weightOf(r.cpuShares());
    if (weight > 0 && Files.exists(dir.resolve("cpu.weight"))) {
      CgroupFiles.write(dir.resolve("cpu.weight"), Long.toString(weight));
    }
    if (r.cpuQuotaMicros() > 0 && Files.exists(dir.resolve("cpu.max"))) {
      long period = r.cpuPeriodMicros() > 0 ? r.cpuPeriodMicros() : 100_000;
      CgroupFiles.write(dir.resolve("cpu.max"), r.cpuQuotaMicros() + " " + period);
    }
    if (r.memoryLimitBytes() > 0 && Files.exists(dir.resolve("memory.max"))) {
      CgroupFiles.write(dir.resolve("memory.max"), Long.toString(r.memoryLimitBytes()));
    }
    if (!r.cpusetCpus().isEmpty() && Files.exists(dir.resolve("cpuset.cpus"))) {
      CgroupFiles.write(dir.resolve("cpuset.cpus"), r.cpusetCpus());
    }
    if (!r.cpusetMems().isEmpty() && Files.exists(dir.resolve("cpuset.mems"))) {
      CgroupFiles.write(dir.resolve("cpuset.mems"), r.cpusetMems());
    }
    if (r.pidsLimit() > 0 && Files.exists(dir.resolve("pids.max"))) {
      CgroupFiles.write(dir.resolve("pids.max"), Long.toString(r.pidsLimit()));
    }
    // v1's memsw is memory plus swap; v2's swap.max is swap alone.
    if (r.memorySwapBytes() > 0 && r.memoryLimitBytes() > 0 && Files.exists(dir.resolve("memory.swap.max"))) {
      CgroupFiles.write(dir.resolve("memory.swap.max"),
          Long.toString(Math.max(0, r.memorySwapBytes() - r.memoryLimitBytes())));
    }
    r.hugepageLimits().forEach((size, limit) -> {
      Path file = dir.resolve("hugetlb." + size + ".max");
      if (!Files.exists(file)) {
        throw new FailedPreconditionException("hugepages of " + size + " cannot be limited on this"
            + " node (no " + file.getFileName() + ")");
      }
      CgroupFiles.write(file, Long.toString(limit));
    });
    r.unified().forEach((key, value) -> {
      Path file = dir.resolve(key);
      if (!Files.exists(file)) {
        throw new FailedPreconditionException("unified resource " + key + " does not exist in "
            + dir + " (is its controller enabled?)");
      }
      CgroupFiles.write(file, value);
    });
  }

  @Override
  public synchronized void remove(List<String> created) {
    CgroupFiles.removeCreated(created, rel -> List.of(root.resolve(rel)));
  }

  @Override
  public CgroupStats stats(String path) {
    Path dir = root.resolve(CgroupFiles.clean(path));
    long cpuNanos = CgroupFiles.statValue(dir.resolve("cpu.stat"), "usage_usec") * 1000;
    long usage = CgroupFiles.readLong(dir.resolve("memory.current"));
    long[] stat = CgroupFiles.statValues(dir.resolve("memory.stat"), "inactive_file", "anon");
    long inactive = stat[0];
    long anon = stat[1];
    long tasks = CgroupFiles.readLong(dir.resolve("pids.current"));
    long swap = Files.exists(dir.resolve("memory.swap.current")) ? CgroupFiles.readLong(dir.resolve("memory.swap.current"))
        : -1;
    Pressure pressure = new Pressure(Pressure.parse(CgroupFiles.read(dir.resolve("cpu.pressure"))),
        Pressure.parse(CgroupFiles.read(dir.resolve("memory.pressure"))),
        Pressure.parse(CgroupFiles.read(dir.resolve("io.pressure"))));
    return new CgroupStats(cpuNanos, usage, Math.max(0, usage - inactive), anon, tasks,
        System.currentTimeMillis() * 1_000_000L, swap, pressure);
  }

  @Override
  public List<String> below(String path) {
    Path dir = root.resolve(CgroupFiles.clean(path));
    try (var walk = Files.walk(dir)) {
      return walk.filter(p -> !p.equals(dir) && Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .map(p -> "/" + root.relativize(p)).toList();
    } catch (IOException | java.io.UncheckedIOException e) {
      return List.of();
    }
  }

  @Override
  public boolean exists(String path) {
    return Files.isDirectory(root.resolve(CgroupFiles.clean(path)));
  }
}
