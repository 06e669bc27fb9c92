package org.freedesktop.systemd1;

import org.freedesktop.dbus.exceptions.DBusExecutionException;

/**
 * systemd's D-Bus error org.freedesktop.systemd1.UnitExists: a transient unit whose name is taken (StartTransientUnit). dbus-java raises an error
 * as the class named like it when there is one, so the driver can tell this error from others.
 */
public class UnitExists extends DBusExecutionException {
  private static final long serialVersionUID = 1L;

  public UnitExists(String message) {
    super(message);
  }
}
