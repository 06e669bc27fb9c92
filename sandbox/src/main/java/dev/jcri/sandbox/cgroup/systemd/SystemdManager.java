package dev.jcri.sandbox.cgroup.systemd;

import java.util.List;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.Struct;
import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.annotations.DBusMemberName;
import org.freedesktop.dbus.annotations.Position;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.messages.DBusSignal;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.Variant;

/** The methods and signal of org.freedesktop.systemd1.Manager the driver uses (see org.freedesktop.systemd1(5)). */
@DBusInterfaceName("org.freedesktop.systemd1.Manager")
public interface SystemdManager extends DBusInterface {

  /** StartTransientUnit(in s name, in s mode, in a(sv) properties, in a(sa(sv)) aux, out o job). */
  @DBusMemberName("StartTransientUnit")
  DBusPath startTransientUnit(String name, String mode, List<Property> properties, List<AuxUnit> aux);

  @DBusMemberName("StopUnit")
  DBusPath stopUnit(String name, String mode);

  @DBusMemberName("SetUnitProperties")
  void setUnitProperties(String name, boolean runtime, List<Property> properties);

  @DBusMemberName("ResetFailedUnit")
  void resetFailedUnit(String name);

  /** GetJob(in u id, out o job): fails with org.freedesktop.systemd1.NoSuchJob once the job has ended. */
  @DBusMemberName("GetJob")
  DBusPath getJob(UInt32 id);

  /** GetUnit(in s name, out o unit): fails with org.freedesktop.systemd1.NoSuchUnit for a unit not loaded. */
  @DBusMemberName("GetUnit")
  DBusPath getUnit(String name);

  /** Asks systemd to send its signals (JobRemoved among them) to this client. */
  @DBusMemberName("Subscribe")
  void subscribe();

  /** One property: a name and a variant value. */
  final class Property extends Struct {
    @Position(0)
    public final String name;
    @Position(1)
    public final Variant<?> value;

    public Property(String name, Variant<?> value) {
      this.name = name;
      this.value = value;
    }
  }

  /** An auxiliary unit to start with the transient one; the driver sends none. */
  final class AuxUnit extends Struct {
    @Position(0)
    public final String name;
    @Position(1)
    public final List<Property> properties;

    public AuxUnit(String name, List<Property> properties) {
      this.name = name;
      this.properties = properties;
    }
  }

  /** JobRemoved(u id, o job, s unit, s result): a job finished; result is done, failed, canceled, timeout... */
  final class JobRemoved extends DBusSignal {
    public final DBusPath job;
    public final String unit;
    public final String result;

    public JobRemoved(String path, UInt32 id, DBusPath job, String unit, String result) throws DBusException {
      super(path, id, job, unit, result);
      this.job = job;
      this.unit = unit;
      this.result = result;
    }
  }
}
