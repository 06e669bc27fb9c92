package dev.jcri.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Time since this process started, from /proc (10 ms resolution), for the "ready" log line. */
final class ProcessClock {

  /** USER_HZ, the unit of /proc/self/stat's start time; 100 on every Linux build that matters. */
  private static final double TICKS_PER_SECOND = 100.0;

  private ProcessClock() {}

  /** Milliseconds since the process started, or -1 when /proc cannot tell. */
  static long millisSinceStart() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      // Fields after the command name (which may hold spaces) start after the last ')'.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long startTicks = Long.parseLong(f[19]);
      double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
      return Math.round((uptime - startTicks / TICKS_PER_SECOND) * 1000);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
