package org.freedesktop.systemd1;

import org.freedesktop.dbus.exceptions.DBusExecutionException;

/**
 * systemd's D-Bus error org.freedesktop.systemd1.NoSuchJob: a job that has ended or never was (GetJob). dbus-java raises an error
 * as the class named like it when there is one, so the driver can tell this error from others.
 */
public class NoSuchJob extends DBusExecutionException {
  private static final long serialVersionUID = 1L;

  public NoSuchJob(String message) {
    super(message);
  }
}
