package dev.jcri.sandbox.cgroup.systemd;

import java.util.List;

/** What the systemd driver asks of systemd's manager (org.freedesktop.systemd1.Manager on the system bus). */
public interface SystemdUnits extends AutoCloseable {

  /** Starts a transient slice and waits until systemd has it; an existing one is an error. */
  void startSlice(String name, List<UnitProperty> properties);

  /** Sets properties of a loaded unit at runtime (not persisted across a reboot). */
  void setProperties(String unit, List<UnitProperty> properties);

  /** Stops the unit and waits for it (its processes are killed); a unit that is not loaded is fine. */
  void stop(String unit);

  @Override
  void close();
}
