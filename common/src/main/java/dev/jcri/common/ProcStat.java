package dev.jcri.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's {@code /proc/<pid>/stat}, split after its command name (which may hold spaces and parentheses):
 * field 0 is the state, 1 the parent's pid, 11-14 utime, stime, cutime and cstime in clock ticks, 19 the start
 * time (proc(5) numbers them from 3).
 */
public final class ProcStat {

  /** USER_HZ, the unit of the times; 100 on every Linux build that matters. */
  public static final double TICKS_PER_SECOND = 100.0;

  private final String[] fields;

  private ProcStat(String[] fields) {
    this.fields = fields;
  }

  /** The stat of {@code pid} ("self" for this process), or null when it is gone. */
  public static ProcStat of(String pid) {
    try {
      String stat = Files.readString(Path.of("/proc", pid, "stat"));
      return new ProcStat(stat.substring(stat.lastIndexOf(')') + 2).split(" "));
    } catch (IOException | RuntimeException gone) {
      return null;
    }
  }

  public static ProcStat of(long pid) {
    return of(Long.toString(pid));
  }

  public char state() {
    return fields[0].charAt(0);
  }

  public long parent() {
    return Long.parseLong(fields[1]);
  }

  /** Field {@code i} as a number. */
  public long number(int i) {
    return Long.parseLong(fields[i]);
  }

  /** utime + stime in seconds. */
  public double cpuSeconds() {
    return (number(11) + number(12)) / TICKS_PER_SECOND;
  }

  /** cutime + cstime in seconds: the children it reaped. */
  public double childrenCpuSeconds() {
    return (number(13) + number(14)) / TICKS_PER_SECOND;
  }
}
