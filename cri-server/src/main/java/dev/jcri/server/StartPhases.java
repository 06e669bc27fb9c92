package dev.jcri.server;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the start-up's time goes: the JVM until {@code main}, then each step of {@link JcriDaemon#start}, as
 * milliseconds in the "serving" log line (so a slow start shows its slow step without a profiler).
 */
final class StartPhases {

  private static final List<String> MARKS = new ArrayList<>();
  private static long last = -1;

  private StartPhases() {}

  /** The JVM's part: from the process's start (the launcher included) to {@code main}. */
  static synchronized void main(long millisSinceStart) {
    MARKS.clear();
    MARKS.add("jvm=" + millisSinceStart);
    last = System.nanoTime();
  }

  /** The time since the previous mark, under {@code name}. */
  static synchronized void mark(String name) {
    long now = System.nanoTime();
    if (last >= 0) {
      MARKS.add(name + "=" + (now - last) / 1_000_000);
    }
    last = now;
  }

  static synchronized String summary() {
    return String.join(" ", MARKS);
  }
}
