package dev.jcri.sandbox.cgroup.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.UnavailableException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.errors.ServiceUnknown;
import org.freedesktop.dbus.exceptions.NotConnected;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.systemd1.NoSuchJob;
import org.freedesktop.systemd1.NoSuchUnit;
import org.freedesktop.systemd1.UnitExists;
import org.junit.jupiter.api.Test;

/**
 * The driver's bus handling against a systemd stand-in: a connection lost under it (dbus restarted) and a job
 * signal lost with it. The real bus, restarted for real, is SystemdCgroupIT's (make test-systemd).
 */
class DbusSystemdUnitsTest {

  /** systemd as the driver sees it: units by name with their state, jobs that end when told to. */
  static final class FakeSystemd {
    final Map<String, String> units = new HashMap<>();
    final List<String> calls = new ArrayList<>();
    final List<FakeSession> sessions = new ArrayList<>();
    int nextJob = 1;
    boolean signalJobs = true;
    boolean jobsNeverEnd;
    String startedState = "active";
    RuntimeException nextOpenFails;

    FakeSession current() {
      return sessions.getLast();
    }

    /** dbus restarted: every open connection is gone. */
    void busRestarted() {
      sessions.forEach(s -> s.connected = false);
    }

    DbusSystemdUnits units() {
      DbusSystemdUnits units = new DbusSystemdUnits(this::open, 10, 200);
      units.start();
      return units;
    }

    DbusSystemdUnits.Session open(BiConsumer<String, String> jobRemoved) {
      if (nextOpenFails != null) {
        RuntimeException e = nextOpenFails;
        nextOpenFails = null;
        throw e;
      }
      FakeSession s = new FakeSession(this, jobRemoved);
      sessions.add(s);
      s.subscribe();
      return s;
    }
  }

  static final class FakeSession implements DbusSystemdUnits.Session, SystemdManager {
    final FakeSystemd systemd;
    final BiConsumer<String, String> jobRemoved;
    boolean connected = true;
    int offBusCalls;

    FakeSession(FakeSystemd systemd, BiConsumer<String, String> jobRemoved) {
      this.systemd = systemd;
      this.jobRemoved = jobRemoved;
    }

    private void live(String call) {
      if (!connected) {
        throw new NotConnected("Disconnected");
      }
      if (offBusCalls > 0) {
        offBusCalls--;
        throw new ServiceUnknown("The name org.freedesktop.systemd1 was not provided by any .service files");
      }
      systemd.calls.add(call);
    }

    private DBusPath job(String unit, String state) {
      DBusPath job = new DBusPath("/org/freedesktop/systemd1/job/" + systemd.nextJob++);
      if (systemd.jobsNeverEnd) {
        return job;
      }
      systemd.units.put(unit, state);
      if (systemd.signalJobs) {
        jobRemoved.accept(job.getPath(), "done");
      }
      return job;
    }

    @Override
    public DBusPath startTransientUnit(String name, String mode, List<Property> properties, List<AuxUnit> aux) {
      live("start " + name);
      if (systemd.units.containsKey(name)) {
        throw new UnitExists("Unit " + name + " was already loaded or has a fragment file.");
      }
      return job(name, systemd.startedState);
    }

    @Override
    public DBusPath stopUnit(String name, String mode) {
      live("stop " + name);
      if (!systemd.units.containsKey(name)) {
        throw new NoSuchUnit("Unit " + name + " not loaded.");
      }
      DBusPath job = job(name, "inactive");
      systemd.units.remove(name);
      return job;
    }

    @Override
    public void setUnitProperties(String name, boolean runtime, List<Property> properties) {
      live("set " + name);
    }

    @Override
    public void resetFailedUnit(String name) {
      live("reset " + name);
    }

    @Override
    public DBusPath getJob(UInt32 id) {
      live("getJob " + id);
      if (systemd.jobsNeverEnd) {
        return new DBusPath("/org/freedesktop/systemd1/job/" + id);
      }
      throw new NoSuchJob("Job " + id + " does not exist.");
    }

    @Override
    public DBusPath getUnit(String name) {
      throw new UnsupportedOperationException("activeState answers directly");
    }

    @Override
    public void subscribe() {
      live("subscribe");
    }

    @Override
    public String getObjectPath() {
      return "/org/freedesktop/systemd1";
    }

    @Override
    public SystemdManager manager() {
      return this;
    }

    @Override
    public String activeState(String unit) {
      live("state " + unit);
      return systemd.units.getOrDefault(unit, "inactive");
    }

    @Override
    public boolean connected() {
      return connected;
    }

    @Override
    public void close() {
      connected = false;
    }
  }

  @Test
  void callAfterTheBusWentAway_connectsAgainAndIsMadeOnTheNewConnection() {
    FakeSystemd systemd = new FakeSystemd();
    try (DbusSystemdUnits units = systemd.units()) {
      units.startSlice("a.slice", List.of());
      systemd.busRestarted();
      units.startSlice("b.slice", List.of());
      units.stop("a.slice");
      assertEquals(2, systemd.sessions.size(), "one new connection for the lost one");
      assertEquals("active", systemd.units.get("b.slice"));
      assertTrue(!systemd.units.containsKey("a.slice"));
    }
  }

  @Test
  void callThatFindsTheConnectionDroppedWhileItLooksUp_isMadeOnceMore() {
    FakeSystemd systemd = new FakeSystemd();
    try (DbusSystemdUnits units = systemd.units()) {
      // The session still says connected, the call learns otherwise (NotConnected): the case of a dbus that went
      // away between two calls.
      FakeSession first = systemd.current();
      first.connected = false;
      units.setProperties("a.slice", List.of());
      assertEquals(2, systemd.sessions.size());
      assertEquals("set a.slice", systemd.calls.getLast());
    }
  }

  @Test
  void reconnectingFails_isUnavailableNamingTheCall() {
    FakeSystemd systemd = new FakeSystemd();
    try (DbusSystemdUnits units = systemd.units()) {
      FakeSession first = systemd.current();
      first.connected = false;
      systemd.nextOpenFails = new FailedPreconditionException("no bus at /run/dbus/system_bus_socket");
      // session() opens anew when the old one is down: the failure to connect is what the caller sees.
      var e = assertThrows(UnavailableException.class, () -> units.setProperties("a.slice", List.of()));
      assertTrue(e.getMessage().contains("lost and connecting again failed: no bus"), e.getMessage());
      // and the next call connects again
      units.setProperties("a.slice", List.of());
      assertEquals("set a.slice", systemd.calls.getLast());
    }
  }

  @Test
  void refusalOnALiveConnection_isNotRetried() {
    FakeSystemd systemd = new FakeSystemd();
    try (DbusSystemdUnits units = systemd.units()) {
      units.startSlice("a.slice", List.of());
      var e = assertThrows(FailedPreconditionException.class, () -> units.startSlice("a.slice", List.of()));
      assertTrue(e.getMessage().contains("already loaded"), e.getMessage());
      assertEquals(1, systemd.sessions.size());
      assertEquals(2, systemd.calls.stream().filter(c -> c.equals("start a.slice")).count());
    }
  }

  @Test
  void systemdOffTheBusForAMoment_isWaitedFor() {
    FakeSystemd systemd = new FakeSystemd();
    try (DbusSystemdUnits units = systemd.units()) {
      systemd.current().offBusCalls = 3; // systemd re-executing itself
      units.startSlice("a.slice", List.of());
      assertEquals("active", systemd.units.get("a.slice"));
      assertEquals(1, systemd.sessions.size(), "the connection itself was fine");
    }
  }

  @Test
  void jobWhoseSignalWasLost_isFoundEndedByAskingSystemd() {
    FakeSystemd systemd = new FakeSystemd();
    systemd.signalJobs = false;
    try (DbusSystemdUnits units = systemd.units()) {
      units.startSlice("a.slice", List.of());
      assertTrue(systemd.calls.contains("state a.slice"), "the unit's state was read: " + systemd.calls);
      units.stop("a.slice");
      assertTrue(!systemd.units.containsKey("a.slice"));
    }
  }

  @Test
  void jobWhoseSignalWasLost_andWhoseUnitFailed_isAFailedStartThatLeavesNothing() {
    FakeSystemd systemd = new FakeSystemd();
    systemd.signalJobs = false;
    systemd.startedState = "failed";
    try (DbusSystemdUnits units = systemd.units()) {
      var e = assertThrows(FailedPreconditionException.class, () -> units.startSlice("a.slice", List.of()));
      assertTrue(e.getMessage().contains("ended failed"), e.getMessage());
      assertTrue(!systemd.units.containsKey("a.slice"), "the failed unit is stopped: " + systemd.units);
    }
  }

  @Test
  void jobSystemdNeverEnds_isUnavailableAfterTheTimeout() {
    FakeSystemd systemd = new FakeSystemd();
    systemd.jobsNeverEnd = true;
    try (DbusSystemdUnits units = systemd.units()) {
      var e = assertThrows(UnavailableException.class, () -> units.startSlice("a.slice", List.of()));
      assertTrue(e.getMessage().contains("did not finish starting a.slice"), e.getMessage());
    }
  }

  @Test
  void stoppingAUnitSystemdDoesNotHave_isFine() {
    FakeSystemd systemd = new FakeSystemd();
    try (DbusSystemdUnits units = systemd.units()) {
      units.stop("gone.slice");
      assertEquals(List.of("subscribe", "stop gone.slice"), systemd.calls.stream()
          .filter(c -> !c.startsWith("reset")).toList());
    }
  }

  @Test
  void afterClose_callsAreUnavailable() {
    FakeSystemd systemd = new FakeSystemd();
    DbusSystemdUnits units = systemd.units();
    units.close();
    assertThrows(UnavailableException.class, () -> units.stop("a.slice"));
  }

  @Test
  void jobIds_areReadOffTheJobPath() {
    assertEquals(4711, DbusSystemdUnits.jobId(new DBusPath("/org/freedesktop/systemd1/job/4711")));
    assertThrows(FailedPreconditionException.class,
        () -> DbusSystemdUnits.jobId(new DBusPath("/org/freedesktop/systemd1/unit/x")));
  }
}
