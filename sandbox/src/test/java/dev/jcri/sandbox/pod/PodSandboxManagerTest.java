package dev.jcri.sandbox.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.HelperFailedException;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.sandbox.ns.NamespaceKind;
import dev.jcri.sandbox.ns.PodNamespaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pod lifecycle against fakes of every kernel and helper seam (namespaces, cgroups, CNI, infra, shm): each
 * RunPodSandbox step that fails undoes the steps before it in reverse order, stop and remove are idempotent, and
 * the start-up sweep removes only what no record names. The real kernel is exercised by the integration tests.
 */
class PodSandboxManagerTest {

  @TempDir Path dir;

  FakePodSeams fakes;
  List<String> journal;
  Set<String> failing;
  FakePodSeams.FakeNamespaces namespaces;
  FakePodSeams.FakeCgroups cgroups;
  FakePodSeams.FakeNetwork network;
  FakePodSeams.FakeInfra infra;
  PodSandboxStore store;
  PodSandboxManager pods;

  @BeforeEach
  void setUp() {
    fakes = new FakePodSeams(dir);
    journal = fakes.journal;
    failing = fakes.failing;
    namespaces = fakes.namespaces;
    cgroups = fakes.cgroups;
    network = fakes.network;
    infra = fakes.infra;
    store = new PodSandboxStore(dir.resolve("records"));
    pods = fakes.manager(store);
  }

  static PodSpec spec(String name, NamespaceMode network, NamespaceMode pid) {
    return FakePodSeams.spec(name, network, pid);
  }

  static PodSpec spec(String name) {
    return spec(name, NamespaceMode.POD, NamespaceMode.POD);
  }

  List<String> podDirs() throws IOException {
    Path podsDir = dir.resolve("pods");
    if (!Files.isDirectory(podsDir)) {
      return List.of();
    }
    try (var s = Files.list(podsDir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  /** The journal from the first failing step on, without the infra start, which runs beside the network's. */
  List<String> after(String failed) {
    return journal.subList(journal.indexOf(failed), journal.size()).stream().filter(s -> !s.equals("infra.ensure"))
        .toList();
  }

  @Test
  void run_everyStepSucceeds_recordsAReadyPodAndUndoesNothing() throws Exception {
    PodSandbox pod = pods.run(spec("web"));

    assertEquals(PodSandbox.State.READY, pod.state());
    assertEquals(List.of("10.88.0.2"), pod.ips());
    assertEquals(Set.of("net", "uts", "ipc"), pod.pins().keySet());
    assertEquals(pod, store.get(pod.id()));
    // The cgroup is made beside the files and namespaces, and is in place before the network is touched.
    assertEquals(List.of("shm.mount", "namespaces.create", "network.add"),
        journal.stream().filter(s -> !s.equals("infra.ensure") && !s.startsWith("cgroup.")).toList());
    assertTrue(journal.indexOf("cgroup.create") < journal.indexOf("cgroup.apply"), journal.toString());
    assertTrue(journal.indexOf("cgroup.apply") < journal.indexOf("infra.ensure"), journal.toString());
    assertTrue(journal.indexOf("cgroup.apply") < journal.indexOf("network.add"), journal.toString());
    assertTrue(journal.contains("infra.ensure"), "a PID-sharing pod starts its infra");
    assertEquals(List.of(1), infra.primerHolders, "cgroup migrations primed while the infra process starts");
    assertEquals(0, fakes.primer.holders(), "and no longer once the pod is ready");
    assertEquals("web\n", Files.readString(dir.resolve("pods").resolve(pod.id()).resolve("hostname")));
  }

  @Test
  void run_primesCgroupMigrationsOnlyForAPodWithAnInfraProcess() {
    List<Integer> atNetwork = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    fakes.onStep.put("network.add", () -> atNetwork.add(fakes.primer.holders()));

    pods.run(spec("own-pids", NamespaceMode.POD, NamespaceMode.CONTAINER));
    pods.run(spec("shared-pids", NamespaceMode.POD, NamespaceMode.POD));

    assertEquals(List.of(0, 1), atNetwork, "primed from the start of a PID-sharing pod only");
    assertEquals(0, fakes.primer.holders());
  }

  @Test
  void run_makesTheCgroupBesideTheNamespaces() {
    java.util.concurrent.CountDownLatch cgroupBegun = new java.util.concurrent.CountDownLatch(1);
    fakes.onStep.put("cgroup.create", cgroupBegun::countDown);
    fakes.onStep.put("namespaces.create", () -> {
      try {
        // one after the other, the namespaces' step would wait here for good
        assertTrue(cgroupBegun.await(10, java.util.concurrent.TimeUnit.SECONDS), "the cgroup is made beside");
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    });

    assertEquals(PodSandbox.State.READY, pods.run(spec("web")).state());
  }

  @Test
  void run_cniAddFails_undoesEveryStepInReverseOrderAndReleasesTheName() throws Exception {
    failing.add("network.add");

    HelperFailedException e = assertThrows(HelperFailedException.class, () -> pods.run(spec("web")));

    assertTrue(e.getMessage().contains("network.add failed"), e.getMessage());
    assertEquals(List.of("network.add", "network.del", "infra.remove", "namespaces.release",
        "namespaces.release", "namespaces.release", "shm.unmount", "cgroup.remove"), after("network.add"),
        "net, uts and ipc pins; the cgroup, made beside the first steps, goes last");
    assertTrue(store.list().isEmpty(), "no record of a pod that failed");
    assertEquals(List.of(), podDirs(), "its files are gone");
    assertTrue(namespaces.pinned().isEmpty(), "no namespace stays pinned");
    assertTrue(cgroups.live.isEmpty(), "no cgroup stays");
    failing.clear();
    assertEquals(PodSandbox.State.READY, pods.run(spec("web")).state(), "the name is free again");
  }

  @Test
  void run_infraFails_isTheErrorAndTheNetworkGoesToo() {
    failing.add("infra.ensure");

    HelperFailedException e = assertThrows(HelperFailedException.class, () -> pods.run(spec("web")));

    assertTrue(e.getMessage().contains("infra.ensure failed"), e.getMessage());
    assertTrue(journal.contains("network.del") && journal.contains("infra.remove"), journal.toString());
    assertEquals(0, fakes.primer.holders(), "the primer's hold goes with a failed pod");
    assertTrue(cgroups.live.isEmpty());
    assertTrue(namespaces.pinned().isEmpty());
    assertTrue(store.list().isEmpty());
  }

  @Test
  void run_cgroupLimitsRefused_undoesCgroupNamespacesShmAndFilesWithoutTouchingTheNetwork() throws Exception {
    failing.add("cgroup.apply");

    assertThrows(HelperFailedException.class, () -> pods.run(spec("web")));

    // The cgroup step removes what it made; the steps beside it are undone once it has failed.
    assertEquals(List.of("cgroup.apply", "cgroup.remove"), after("cgroup.apply").subList(0, 2));
    assertEquals(List.of("namespaces.release", "namespaces.release", "namespaces.release", "shm.unmount"),
        journal.subList(journal.indexOf("namespaces.create") + 1, journal.size()).stream()
            .filter(s -> !s.startsWith("cgroup.")).toList());
    assertEquals(1, journal.stream().filter(s -> s.equals("cgroup.remove")).count(), "removed once: " + journal);
    assertFalse(journal.contains("network.add"));
    assertFalse(journal.contains("infra.ensure"));
    assertEquals(List.of(), podDirs());
  }

  @Test
  void run_namespacesFail_unmountsShmAndRemovesFiles() throws Exception {
    failing.add("namespaces.create");

    assertThrows(HelperFailedException.class, () -> pods.run(spec("web")));

    assertEquals(List.of("namespaces.create", "shm.unmount", "cgroup.remove"), after("namespaces.create")
        .stream().filter(s -> !s.equals("cgroup.create") && !s.equals("cgroup.apply")).toList());
    assertTrue(cgroups.live.isEmpty(), "the cgroup made beside the namespaces is removed too");
    assertEquals(List.of(), podDirs());
  }

  @Test
  void run_anUndoStepFailsToo_theFirstFailureIsReportedWithTheUndoFailureAttached() {
    failing.add("network.add");
    failing.add("cgroup.remove");

    HelperFailedException e = assertThrows(HelperFailedException.class, () -> pods.run(spec("web")));

    assertTrue(e.getMessage().contains("network.add failed"), e.getMessage());
    assertEquals(1, e.getSuppressed().length);
    assertTrue(e.getSuppressed()[0].getMessage().contains("cgroup.remove failed"));
    failing.clear();
    failing.add("network.add");
    failing.add("namespaces.release");
    journal.clear();
    HelperFailedException again = assertThrows(HelperFailedException.class, () -> pods.run(spec("web2")));
    assertTrue(again.getMessage().contains("network.add failed"), again.getMessage());
    assertTrue(journal.indexOf("cgroup.remove") > journal.indexOf("namespaces.release"),
        "the undo goes on past a failed step: " + journal);
    assertTrue(store.list().isEmpty());
  }

  @Test
  void run_refusedRequest_makesNothing() {
    PodSpec bad = new PodSpec("web", "default", "uid", 0, "bad host\nname", "", new PodSpec.Dns(List.of(), List.of(),
        List.of()), List.of(), Map.of(), Map.of(), "", NamespaceMode.POD, NamespaceMode.POD, NamespaceMode.POD,
        Map.of(), "", null, null, null);

    assertThrows(InvalidArgumentException.class, () -> pods.run(bad));

    assertEquals(List.of(), journal);
    assertTrue(store.list().isEmpty());
  }

  @Test
  void run_hostNetworkPod_setsNoNetworkUp() {
    PodSandbox pod = pods.run(spec("host", NamespaceMode.NODE, NamespaceMode.CONTAINER));

    assertFalse(journal.contains("network.add"));
    assertFalse(journal.contains("infra.ensure"), "a pod without a shared PID namespace runs no infra");
    assertEquals(Set.of("ipc"), pod.pins().keySet());
    assertEquals(List.of(), pod.ips());
  }

  @Test
  void stop_teardownFailsHalfWay_podIsAlreadyNotReadyAndTheNextStopFinishes() {
    PodSandbox pod = pods.run(spec("web"));
    failing.add("network.del");

    assertThrows(HelperFailedException.class, () -> pods.stop(pod.id()));

    assertEquals(PodSandbox.State.NOTREADY, store.get(pod.id()).state(), "a crash now leaves a pod that says stopped");
    assertTrue(store.get(pod.id()).pins().containsKey("net"), "the network is not released before CNI DEL");
    failing.clear();
    pods.stop(pod.id());
    pods.stop(pod.id());
    assertFalse(store.get(pod.id()).pins().containsKey("net"));
    assertEquals(List.of(), network.live);
    assertTrue(journal.contains("infra.stop"));
  }

  @Test
  void stopAndRemove_ofAMissingPod_succeed() {
    pods.stop("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    pods.remove("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    pods.stop("8c4d6a5e-4c1f-4f51-8bd7-1bb5c5f3b7a2");
    pods.remove("not even hex");

    assertEquals(List.of(), journal);
  }

  @Test
  void remove_releasesEverythingThePodHeld_andIsIdempotent() throws Exception {
    PodSandbox pod = pods.run(spec("web"));
    journal.clear();

    pods.remove(pod.id());
    pods.remove(pod.id());

    assertTrue(store.list().isEmpty());
    assertEquals(List.of(), podDirs());
    assertTrue(namespaces.pinned().isEmpty());
    assertTrue(cgroups.live.isEmpty());
    assertEquals(List.of(), network.live);
    assertTrue(journal.contains("infra.remove") && journal.contains("shm.unmount"), journal.toString());
  }

  @Test
  void sweepUnfinished_removesWhatNoRecordNames_andLeavesRecordedPods() throws Exception {
    PodSandbox kept = pods.run(spec("kept"));
    String orphan = "ab".repeat(32);
    namespaces.create(orphan, Set.of(NamespaceKind.NET), new PodNamespaces.Setup("x", Map.of()));
    network.live.add(orphan);
    infra.bundles.add(orphan);
    Files.createDirectories(dir.resolve("pods").resolve(orphan));
    journal.clear();

    int removed = pods.sweepUnfinished();

    assertEquals(4, removed);
    assertEquals(Set.of(kept.id()), namespaces.pinned().keySet());
    assertEquals(List.of(kept.id()), network.live);
    assertEquals(List.of(kept.id()), podDirs());
    assertEquals(Set.of(kept.id()), infra.bundles);
    assertEquals("infra.removeOrphan", journal.getFirst(), "the infra process goes before its cgroup");
    assertTrue(journal.contains("cgroup.remove"));
  }

  @Test
  void recover_readyPodWhosePinsAreGone_isNotReady() {
    PodSandbox pod = pods.run(spec("web"));
    pod.pins().values().forEach(p -> namespaces.release(Path.of(p)));

    pods.recover();

    PodSandbox after = store.get(pod.id());
    assertEquals(PodSandbox.State.NOTREADY, after.state());
    assertTrue(after.pins().isEmpty());
  }

  @Test
  void sharedPidNamespace_isTheInfraProcesses() {
    PodSandbox pod = pods.run(spec("web"));

    assertEquals("/proc/4242/ns/pid", pods.sharedPidNamespace(pod));
    assertSame(PodSandbox.State.READY, pod.state());
    assertEquals(4242, pods.infraPid(pod), "PodSandboxStatus reports it");
    pods.remove(pod.id());
    assertEquals(0, pods.infraPid(pod), "none once the pod is gone");
  }
}
