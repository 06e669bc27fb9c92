package dev.jcri.server.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** The process table, read from /proc: resident memory of a process and of the helpers a runtime leaves. */
final class Procs {

  private Procs() {}

  record Proc(long pid, String comm, List<String> args) {}

  static List<Proc> all() throws IOException {
    List<Proc> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of("/proc"))) {
      for (Path p : s.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String comm = Files.readString(p.resolve("comm")).strip();
          String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
          out.add(new Proc(Long.parseLong(p.getFileName().toString()), comm, List.of(cmd.split("\0"))));
        } catch (IOException | RuntimeException gone) {
          // exited meanwhile
        }
      }
    }
    return out;
  }

  /** VmRSS in MiB; 0 for a process that is gone. */
  static double rssMib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException gone) {
      // exited
    }
    return 0;
  }

  /**
   * CPU seconds of a process and of the children it reaped (utime + stime + cutime + cstime); 0 for one that is
   * gone.
   */
  static double cpuSeconds(long pid) {
    dev.jcri.common.ProcStat stat = dev.jcri.common.ProcStat.of(pid);
    return stat == null ? 0 : stat.cpuSeconds() + stat.childrenCpuSeconds();
  }

  /** CPU seconds of the children a process reaped (cutime + cstime): helpers it ran and waited for. */
  static double childrenCpuSeconds(long pid) {
    dev.jcri.common.ProcStat stat = dev.jcri.common.ProcStat.of(pid);
    return stat == null ? 0 : stat.childrenCpuSeconds();
  }

  /** Sum of VmRSS (MiB) and count of the processes {@code which} accepts. */
  static double[] rssOf(Predicate<Proc> which) throws IOException {
    double sum = 0;
    int n = 0;
    for (Proc p : all()) {
      if (which.test(p)) {
        sum += rssMib(p.pid());
        n++;
      }
    }
    return new double[] {sum, n};
  }
}
