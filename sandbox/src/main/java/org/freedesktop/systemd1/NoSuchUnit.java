package org.freedesktop.systemd1;

import org.freedesktop.dbus.exceptions.DBusExecutionException;

/**
 * systemd's D-Bus error org.freedesktop.systemd1.NoSuchUnit: a unit systemd does not have loaded (GetUnit, StopUnit). dbus-java raises an error
 * as the class named like it when there is one, so the driver can tell this error from others.
 */
public class NoSuchUnit extends DBusExecutionException {
  private static final long serialVersionUID = 1L;

  public NoSuchUnit(String message) {
    super(message);
  }
}
