package dev.jcri.sandbox.cgroup.systemd;

/**
 * One property of a systemd unit, as StartTransientUnit and SetUnitProperties take it: a name and a value of D-Bus
 * type {@code b} (Boolean), {@code s} (String), {@code t} (Long, unsigned) or {@code ay} (byte[]).
 */
public record UnitProperty(String name, Object value) {

  public UnitProperty {
    if (!(value instanceof Boolean || value instanceof String || value instanceof Long || value instanceof byte[])) {
      throw new IllegalArgumentException("unit property " + name + ": no D-Bus type for " + value);
    }
  }

  @Override
  public String toString() {
    return name + "=" + (value instanceof byte[] b ? java.util.HexFormat.of().formatHex(b) : value);
  }
}
