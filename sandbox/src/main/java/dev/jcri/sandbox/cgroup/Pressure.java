package dev.jcri.sandbox.cgroup;

/**
 * Pressure stall information of a cgroup (cgroup v2's cpu.pressure, memory.pressure and io.pressure); a part is
 * null where the node has no such file (cgroup v1, or a kernel without PSI).
 */
public record Pressure(Stall cpu, Stall memory, Stall io) {

  public static final Pressure NONE = new Pressure(null, null, null);

  /** The "some" and "full" lines of one pressure file; cpu.pressure has no "full" on older kernels. */
  public record Stall(Line some, Line full) {}

  /** Total stall time in microseconds and the running averages (percent) over 10, 60 and 300 seconds. */
  public record Line(long totalMicros, double avg10, double avg60, double avg300) {}

  /** Parses a pressure file ("some avg10=0.00 avg60=0.00 avg300=0.00 total=0" and a "full" line); "" gives null. */
  static Stall parse(String text) {
    Line some = null;
    Line full = null;
    for (String line : text.split("\n")) {
      String[] f = line.strip().split(" ");
      if (f.length != 5) {
        continue;
      }
      Line parsed;
      try {
        parsed = new Line(Long.parseLong(value(f[4], "total")), Double.parseDouble(value(f[1], "avg10")),
            Double.parseDouble(value(f[2], "avg60")), Double.parseDouble(value(f[3], "avg300")));
      } catch (IllegalArgumentException e) {
        continue;
      }
      if (f[0].equals("some")) {
        some = parsed;
      } else if (f[0].equals("full")) {
        full = parsed;
      }
    }
    return some == null && full == null ? null : new Stall(some, full);
  }

  private static String value(String field, String key) {
    if (!field.startsWith(key + "=")) {
      throw new IllegalArgumentException(field);
    }
    return field.substring(key.length() + 1);
  }
}
