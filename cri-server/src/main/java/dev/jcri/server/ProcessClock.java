package dev.jcri.server;

import dev.jcri.common.ProcStat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Time since this process started, from /proc (10 ms resolution), for the "ready" log line. */
final class ProcessClock {

  private ProcessClock() {}

  /** Milliseconds since the process started, or -1 when /proc cannot tell. */
  static long millisSinceStart() {
    try {
      ProcStat stat = ProcStat.of("self");
      long startTicks = stat.number(19);
      double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
      return Math.round((uptime - startTicks / ProcStat.TICKS_PER_SECOND) * 1000);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
