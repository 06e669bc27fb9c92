package dev.jcri.sandbox.cgroup;

/**
 * What a cgroup has used: CPU time in nanoseconds, memory in use, the working set (usage minus inactive
 * file pages, as kubelet computes it), RSS, and the number of tasks.
 */
public record CgroupStats(long cpuUsageNanos, long memoryUsageBytes, long memoryWorkingSetBytes, long memoryRssBytes,
    long pids, long atNanos) {}
