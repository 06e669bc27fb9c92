package dev.jcri.server.bench;

import dev.jcri.image.testing.LocalRegistry;
import dev.jcri.image.testing.RegistryPusher;
import dev.jcri.image.testing.TestImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@code make bench}: the same scenario against jcri and containerd 1.6 (+ crun), alternating, from the
 * same Java gRPC client, on bridge networks configured alike; a Markdown table and a chart in bench/results.
 *
 * <p>Arguments: {@code <launcher> <jcri home (jar, lib, AOT cache)> <results dir>}.
 */
public final class Bench {

  static final int ROUNDS = 20;
  /** Pulls per runtime, each of its own image: the node's disk is noisy, three samples were too few. */
  static final int PULLS = 6;
  /** Fresh starts of each runtime timed for the cold lines. */
  static final int COLD_CYCLES = 3;

  /** How a line's target is judged: which figure, compared with the target (at most). */
  enum Judge {
    MEDIAN_RATIO("ratio"),
    P90_RATIO("p90 ratio"),
    JCRI_MEDIAN("jcri median"),
    JCRI_P99("jcri p99"),
    JCRI_SPREAD("jcri p90 / median");

    final String label;

    Judge(String label) {
      this.label = label;
    }

    double value(Line l) {
      return switch (this) {
        case MEDIAN_RATIO -> l.jcri().median() / l.ctd().median();
        case P90_RATIO -> l.jcri().p90() / l.ctd().p90();
        case JCRI_MEDIAN -> l.jcri().median();
        case JCRI_P99 -> l.jcri().p99();
        case JCRI_SPREAD -> l.jcri().p90() / l.jcri().median();
      };
    }
  }

  /**
   * One comparison line: what, how it is judged and the target (NaN: shown, not judged), both sides' samples
   * (the right side is containerd's, or for a line against the floor, the floor's).
   */
  record Line(String what, Judge judge, double target, Samples jcri, Samples ctd) {
    Line(String what, double target, Samples jcri, Samples ctd) {
      this(what, Judge.MEDIAN_RATIO, target, jcri, ctd);
    }

    boolean judged() {
      return !Double.isNaN(target);
    }

    boolean met() {
      return judged() && judge.value(this) <= target;
    }
  }

  public static void main(String[] args) throws Exception {
    Path launcher = Path.of(args[0]).toAbsolutePath();
    Path home = Path.of(args[1]).toAbsolutePath();
    Path results = Files.createDirectories(Path.of(args[2]).toAbsolutePath());
    Path work = Files.createTempDirectory("jcri-bench");
    System.out.println("bench work dir " + work);
    LocalRegistry registry = LocalRegistry.start(work.resolve("registry"));
    // A node keeps a runtime's state (bundles, rootfs mount points, fifos, sockets) in /run, a tmpfs, and its
    // records and layers on disk: so does the bench, for both runtimes.
    List<Path> runDirs = List.of(work.resolve("jcri").resolve("run"), work.resolve("ctd").resolve("state"));
    List<Line> lines = new ArrayList<>();
    Map<String, String> notes = new LinkedHashMap<>();
    // Each results file names the change it measured, so the files in order record each change's effect.
    notes.put("jcri at", builtFrom(results.getParent().getParent()));
    try {
      for (Path d : runDirs) {
        mountTmpfs(d);
      }
      RegistryPusher pusher = new RegistryPusher(registry);
      TestImage.Built busybox = new TestImage().busyboxLayer().cmd("/bin/sleep", "3600").build();
      pusher.push("bench/busybox", "1", busybox);
      pusher.push("bench/pause", "1", new TestImage().busyboxLayer().cmd("/bin/sleep", "2147483647").build());
      // Images alike in shape but sharing no layer but busybox's (which both runtimes hold from the start), so
      // that every pull downloads and unpacks two new layers on both sides; variant 0 is the untimed first pull.
      for (int v = 0; v <= PULLS; v++) {
        int variant = v;
        byte[] big = new byte[30 << 20];
        new Random(variant).nextBytes(big);
        pusher.push("bench/multi", Integer.toString(variant), new TestImage().busyboxLayer()
            .layer(TestImage.Compression.GZIP, t -> {
              for (int i = 0; i < 2000; i++) {
                t.file("small/f" + i, "variant " + variant + " file " + i + "\n", 0644);
              }
            })
            .layer(TestImage.Compression.GZIP, t -> t.file("big/blob", big, 0644)).build());
      }
      String image = registry.host() + "/bench/busybox:1";
      String pause = registry.host() + "/bench/pause:1";

      String steadyOnly = System.getProperty("jcri.bench.steadyOnly", "");
      if (!steadyOnly.isEmpty()) {
        steadyOnly(launcher, home, work, registry, image, pause, steadyOnly.equals("both"), lines, notes);
      } else {
        coldAndWarm(launcher, home, work, registry, image, pause, busybox, lines, notes);
      }
    } finally {
      registry.close();
      Thread.sleep(2000);
      BenchedRuntime.removeEmptyCgroups("jcri");
      for (Path d : runDirs) {
        BenchedRuntime.run(List.of("umount", "-l", d.toString()));
      }
    }
    report(results, work, lines, notes);
  }

  /** The whole table: the cold lines, then {@link #warm}. */
  private static void coldAndWarm(Path launcher, Path home, Path work, LocalRegistry registry, String image,
      String pause, TestImage.Built busybox, List<Line> lines, Map<String, String> notes) throws Exception {
    // Cold: each runtime started afresh on its state (images there, as after a node's reboot), then the
    // first RunPodSandbox, then 20 pods with their containers 4 at a time, as kubelet restarts a node's pods.
    Line ready = line(lines, "socket ready after start (ms)", Judge.JCRI_MEDIAN, 350);
    Line firstPod = line(lines, "first RunPodSandbox after start (cold)", 1.0);
    Line coldBurst = line(lines, "cold start: 20 pods + containers, 4 at a time, right after start: wall", 0.7);
    Path jDir = Files.createDirectories(work.resolve("jcri"));
    Path cDir = Files.createDirectories(work.resolve("ctd"));
    for (int cycle = 0; cycle <= COLD_CYCLES; cycle++) {
      for (boolean jFirst : cycle % 2 == 0 ? List.of(true, false) : List.of(false, true)) {
        try (BenchedRuntime rt = jFirst ? BenchedRuntime.jcri(launcher, home, jDir)
            : BenchedRuntime.containerd(cDir, registry.host(), pause)) {
          Scenarios s = new Scenarios(rt, image, work.resolve("logs-" + rt.name));
          if (cycle == 0) { // fills the image stores, untimed
            s.pull(image);
            if (!jFirst) {
              s.pull(pause);
            }
            continue;
          }
          (jFirst ? ready.jcri() : ready.ctd()).add(rt.readyMs);
          if (jFirst) {
            notes.put("jcri's start, cold start " + cycle + " (ms since its process started, as it logs them)",
                rt.startPhases());
          }
          s.podRuns(1, jFirst ? firstPod.jcri() : firstPod.ctd());
          s.burst(20, 4, new Samples("cold each", "ms"), jFirst ? coldBurst.jcri() : coldBurst.ctd());
          s.removeAllPods();
        }
      }
    }

    // -Djcri.bench.coldOnly=true stops here: a change to the start-up, measured in a few minutes.
    if (!Boolean.getBoolean("jcri.bench.coldOnly")) {
      warm(launcher, home, jDir, cDir, registry, image, pause, busybox, work, lines, notes);
    }
  }

  /** A tmpfs at {@code dir}, as /run is on a node. */
  private static void mountTmpfs(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "mode=0711", "jcri-bench-run", dir.toString())
        .inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException("mount -t tmpfs at " + dir + " failed: exit " + p.exitValue());
    }
  }

  /** Writes the table and the chart to {@code results}, and removes the work directory. */
  private static void report(Path results, Path work, List<Line> lines, Map<String, String> notes)
      throws Exception {
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    String md = Report.markdown(lines, notes);
    // A cold-only run is a partial table: kept apart from the full runs, and not the latest.
    boolean partial = Boolean.getBoolean("jcri.bench.coldOnly") || System.getProperty("jcri.bench.steadyOnly") != null;
    String name = (Boolean.getBoolean("jcri.bench.coldOnly") ? "cold-"
        : System.getProperty("jcri.bench.steadyOnly") != null ? "steady-" : "bench-") + stamp;
    Files.writeString(results.resolve(name + ".md"), md, StandardCharsets.UTF_8);
    if (!partial) {
      Files.writeString(results.resolve("latest.md"), md, StandardCharsets.UTF_8);
    }
    Report.chart(lines, results.resolve(name + ".png"), work);
    System.out.println(md);
    System.out.println("written to " + results);
    // -Djcri.bench.keepLogs=DIR keeps the runtimes' own logs (their RPC timings and timelines) for a look.
    String keep = System.getProperty("jcri.bench.keepLogs");
    if (keep != null) {
      Path to = Files.createDirectories(Path.of(keep));
      for (Path log : List.of(work.resolve("jcri").resolve("jcri.log"), work.resolve("ctd").resolve("containerd.log"))) {
        if (Files.exists(log)) {
          Files.copy(log, to.resolve(name + "-" + log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor(60, TimeUnit.SECONDS);
  }

  /** Everything after the cold lines: warm sequential and burst figures, pulls, the floor, the full node. */
  private static void warm(Path launcher, Path home, Path jDir, Path cDir, LocalRegistry registry, String image,
      String pause, TestImage.Built busybox, Path work, List<Line> lines, Map<String, String> notes)
      throws Exception {
    try (BenchedRuntime j = BenchedRuntime.jcri(launcher, home, jDir);
        BenchedRuntime c = BenchedRuntime.containerd(cDir, registry.host(), pause)) {
      Scenarios sj = new Scenarios(j, image, work.resolve("logs-jcri"));
      Scenarios sc = new Scenarios(c, image, work.resolve("logs-ctd"));
      // The same warm-up for both (JIT, caches, the first CNI runs) before anything else is timed: a node's
      // runtime runs for days, so steady state is what the rest of the table compares.
      for (Scenarios s : List.of(sj, sc)) {
        s.podRuns(20, new Samples("warm", "ms"));
        s.podRuns(10, true, new Samples("warm", "ms"));
        s.createStarts(20, new Samples("warm", "ms"));
        s.createStarts(10, true, new Samples("warm", "ms"));
        s.execSyncs(50, new Samples("warm", "ms"));
      }

      Thread.sleep(2000);
      double idleJ = j.rssMib();
      double idleC = c.rssMib();

      Line podRun = line(lines, "RunPodSandbox (sequential x" + ROUNDS + ")", 0.7);
      Line createStart = line(lines, "CreateContainer + StartContainer (x" + ROUNDS + ")", 0.7);
      Line podRunShared = line(lines, "RunPodSandbox, PID namespace shared by the pod (x" + ROUNDS + ")", 0.7);
      Line createStartShared = line(lines, "CreateContainer + StartContainer, PID namespace shared (x" + ROUNDS
          + ")", 0.7);
      Line exec = line(lines, "ExecSync `true` (x50)", Judge.P90_RATIO, 1.0);
      for (int half = 0; half < 2; half++) {
        // Alternate which runtime goes first, in halves.
        for (Scenarios s : half == 0 ? List.of(sj, sc) : List.of(sc, sj)) {
          boolean isJ = s == sj;
          s.podRuns(ROUNDS / 2, isJ ? podRun.jcri() : podRun.ctd());
          s.createStarts(ROUNDS / 2, isJ ? createStart.jcri() : createStart.ctd());
          s.podRuns(ROUNDS / 2, true, isJ ? podRunShared.jcri() : podRunShared.ctd());
          s.createStarts(ROUNDS / 2, true, isJ ? createStartShared.jcri() : createStartShared.ctd());
          s.execSyncs(25, isJ ? exec.jcri() : exec.ctd());
        }
      }
      Line burstEach = line(lines, "burst: 20 pods + containers, 4 at a time: each", 0.6);
      Line burstWall = line(lines, "burst: 20 pods + containers, 4 at a time: wall", 0.6);
      Line nodeOverhead = line(lines, "node overhead with 20 pods (runtime + helpers RSS, MiB)", 0.5);
      Line runtimeRss = line(lines, "runtime RSS with 20 pods (MiB)", Double.NaN);
      Line helperRss = line(lines, "per-pod/container helpers RSS with 20 pods (MiB)", Double.NaN);
      Line stopRemove = line(lines, "stop + remove 20 pods with their containers (wall)", Double.NaN);
      for (Scenarios s : List.of(sj, sc)) {
        boolean isJ = s == sj;
        BenchedRuntime rt = isJ ? j : c;
        s.burst(20, 4, isJ ? burstEach.jcri() : burstEach.ctd(), isJ ? burstWall.jcri() : burstWall.ctd());
        Thread.sleep(2000);
        double[] helpers = rt.helpersRss();
        double self = rt.rssMib();
        (isJ ? nodeOverhead.jcri() : nodeOverhead.ctd()).add(self + helpers[0]);
        (isJ ? runtimeRss.jcri() : runtimeRss.ctd()).add(self);
        (isJ ? helperRss.jcri() : helperRss.ctd()).add(helpers[0]);
        notes.put(rt.name + " helpers with 20 pods", (int) helpers[1] + " processes");
        (isJ ? stopRemove.jcri() : stopRemove.ctd()).time(() -> {
          s.removeAllPods();
          return null;
        });
      }
      // This node's ext4 runs without a journal: there, for about a minute after a file is deleted, a new file
      // in the same block group skips its inode, one buffer lookup each (4 000 files deleted: 150-450 us a new
      // file instead of 25 for ~55 s, measured). The first pulls of 2 000 files each, right after the 40 pods
      // just removed, timed that removal more than the pull. The pulls begin once that minute is over.
      new ProcessBuilder("sync").start().waitFor();
      Thread.sleep(TimeUnit.SECONDS.toMillis(65));
      // Then one untimed pull each, as the rest of the table is timed after a warm-up: neither runtime has pulled
      // before in its life (the process the warm lines run), and its first pull is its own start-up's cost (jcri's
      // and containerd's first pulls took 1.1-1.2 s in the run before this, their next ones 0.4-0.5 s).
      sj.pull(registry.host() + "/bench/multi:0");
      sc.pull(registry.host() + "/bench/multi:0");
      Line pull = line(lines, "pull + unpack, 3 layers / ~33 MB, 2 000 small files (" + PULLS + " images)", 1.0);
      for (int v = 1; v <= PULLS; v++) {
        String multi = registry.host() + "/bench/multi:" + v;
        if (v % 2 == 1) {
          sj.pull(multi, pull.jcri());
          sc.pull(multi, pull.ctd());
        } else {
          sc.pull(multi, pull.ctd());
          sj.pull(multi, pull.jcri());
        }
      }
      lines.add(new Line("pull + unpack: spread", Judge.JCRI_SPREAD, 1.2, pull.jcri(), pull.ctd()));
      notes.put("slowest pulls, ms", "jcri " + pull.jcri().slowest(2) + "; containerd " + pull.ctd().slowest(2));
      Line idle = line(lines, "runtime RSS idle, after warm-up (MiB)", Double.NaN);
      idle.jcri().add(idleJ);
      idle.ctd().add(idleC);

      // The floor, and jcri's pod + container against it.
      Floor floor = new Floor(Files.createDirectories(work.resolve("floor")), busybox.layers().getFirst().blob());
      Samples floorS = new Samples("floor", "ms");
      Samples podAndCtrJ = new Samples("pod + container", "ms");
      Samples podAndCtrC = new Samples("pod + container", "ms");
      try {
        for (int i = 0; i < 10; i++) {
          floorS.add(floor.once(i));
          for (Scenarios s : List.of(sj, sc)) {
            (s == sj ? podAndCtrJ : podAndCtrC).time(() -> {
              var cfg = s.pod();
              return s.createAndStart(s.runPod(cfg), cfg);
            });
            s.removeAllPods();
          }
        }
      } finally {
        floor.close();
      }
      lines.add(new Line("pod + container ready (RunPodSandbox + Create + Start)", 0.7, podAndCtrJ, podAndCtrC));
      lines.add(new Line("pod + container ready against the floor (right: the floor, no runtime)", 1.2,
          podAndCtrJ, floorS));
      notes.put("floor: netns + CNI ADD of the same chain (bridge, portmap) + crun run -d, no runtime",
          String.format("median %.0f ms, p90 %.0f ms", floorS.median(), floorS.p90()));

      steady(j, c, sj, sc, lines, notes);
    }
  }

  /** A full node under kubelet's polling, one runtime at a time ({@code c} null: jcri alone). */
  private static void steady(BenchedRuntime j, BenchedRuntime c, Scenarios sj, Scenarios sc, List<Line> lines,
      Map<String, String> notes) throws Exception {
    int pods = Integer.getInteger("jcri.bench.steadyPods", 110);
    int seconds = Integer.getInteger("jcri.bench.steadySeconds", 300);
    String steady = pods + " pods, " + seconds / 60.0 + " min of kubelet's polling: ";
    Steady.Result rj = new Steady(j, sj, pods, seconds).run();
    Steady.Result rc = c == null ? Steady.Result.none() : new Steady(c, sc, pods, seconds).run();
    lines.add(value(steady + "runtime + helpers CPU (s)", Judge.MEDIAN_RATIO, 0.5,
        rj.runtimeCpu() + rj.helpersCpu(), rc.runtimeCpu() + rc.helpersCpu()));
    lines.add(value(steady + "runtime CPU (s)", Judge.MEDIAN_RATIO, Double.NaN, rj.runtimeCpu(),
        rc.runtimeCpu()));
    lines.add(value(steady + "runtime + helpers RSS at the end (MiB)", Judge.MEDIAN_RATIO, 0.3, rj.rssEnd(),
        rc.rssEnd()));
    lines.add(value(steady + "RSS growth, minute 1 to the end (%)", Judge.JCRI_MEDIAN, 5,
        100 * (rj.rssEnd() - rj.rssMinute1()) / rj.rssMinute1(),
        100 * (rc.rssEnd() - rc.rssMinute1()) / rc.rssMinute1()));
    for (String rpc : rj.rpcs().keySet()) {
      boolean listOrStatus = !rpc.equals("ExecSync");
      lines.add(new Line(steady + rpc, listOrStatus ? Judge.JCRI_P99 : Judge.P90_RATIO,
          listOrStatus ? 10 : Double.NaN, rj.rpcs().get(rpc), rc.rpcs().get(rpc)));
    }
    // Where the tails lie in time: a slowest call at the start is the JVM meeting that code for the first time.
    for (String rpc : rj.rpcs().keySet()) {
      notes.put("steady state slowest " + rpc + " calls, ms (jcri)", rj.rpcs().get(rpc).slowest(3));
    }
    StringBuilder first = new StringBuilder();
    for (String rpc : rj.firstCalls().keySet()) {
      first.append(first.isEmpty() ? "" : ", ").append(rpc).append(String.format(java.util.Locale.ROOT, " %.1f / %.1f",
          rj.firstCalls().get(rpc).max(), rc.firstCalls().get(rpc).max()));
    }
    notes.put("steady state: each RPC's first call in the untimed rounds before the window, jcri / containerd, ms"
        + " (the first runtime's include the client's first use of the stats and status RPCs)", first.toString());
    notes.put("steady state helpers", rj.helpers() + " (jcri) and " + rc.helpers() + " (containerd) processes");
    notes.put("steady state CPU of the runtimes' reaped children (helpers they ran and waited for: OCI runtime"
        + " execs, CNI plugins), included above", String.format(java.util.Locale.ROOT,
        "jcri %.1f s, containerd %.1f s; per-pod helpers: jcri %.1f s, containerd %.1f s", rj.runtimeChildrenCpu(),
        rc.runtimeChildrenCpu(), rj.helpersCpu(), rc.helpersCpu()));
  }

  /**
   * {@code -Djcri.bench.steadyOnly=jcri|both}: the full node's lines alone (after the same pull and a short
   * warm-up), to measure a change to the steady state in minutes; containerd only with {@code both}.
   */
  private static void steadyOnly(Path launcher, Path home, Path work, LocalRegistry registry, String image,
      String pause, boolean both, List<Line> lines, Map<String, String> notes) throws Exception {
    notes.put("steady state only", both ? "jcri and containerd" : "jcri alone");
    try (BenchedRuntime j = BenchedRuntime.jcri(launcher, home, Files.createDirectories(work.resolve("jcri")));
        BenchedRuntime c = both ? BenchedRuntime.containerd(Files.createDirectories(work.resolve("ctd")),
            registry.host(), pause) : null) {
      Scenarios sj = new Scenarios(j, image, work.resolve("logs-jcri"));
      Scenarios sc = c == null ? null : new Scenarios(c, image, work.resolve("logs-ctd"));
      sj.pull(image);
      if (sc != null) {
        sc.pull(image);
        sc.pull(pause);
      }
      for (Scenarios s : sc == null ? List.of(sj) : List.of(sj, sc)) {
        s.podRuns(20, new Samples("warm", "ms"));
        s.createStarts(20, new Samples("warm", "ms"));
        s.execSyncs(50, new Samples("warm", "ms"));
        s.removeAllPods();
      }
      steady(j, c, sj, sc, lines, notes);
    }
  }

  /** The commit the bench ran on ({@code <hash> <subject>}), and whether the tree had uncommitted changes. */
  static String builtFrom(Path repo) {
    try {
      Process log = new ProcessBuilder("git", "-C", repo.toString(), "log", "-1", "--format=%h %s").start();
      String commit = new String(log.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      Process status = new ProcessBuilder("git", "-C", repo.toString(), "status", "--porcelain", "--untracked-files=no")
          .start();
      boolean dirty = !new String(status.getInputStream().readAllBytes(), StandardCharsets.UTF_8).isBlank();
      log.waitFor();
      status.waitFor();
      return commit.isEmpty() ? "(not a git checkout)" : "`" + commit + "`" + (dirty ? " with uncommitted changes" : "");
    } catch (java.io.IOException | InterruptedException e) {
      return "(git not available: " + e.getMessage() + ")";
    }
  }

  /** A line of one figure a side (a total, a size). */
  private static Line value(String what, Judge judge, double target, double jcri, double ctd) {
    Line l = new Line(what, judge, target, new Samples(what, ""), new Samples(what, ""));
    l.jcri().add(jcri);
    l.ctd().add(ctd);
    return l;
  }

  private static Line line(List<Line> lines, String what, double target) {
    return line(lines, what, Judge.MEDIAN_RATIO, target);
  }

  static Line line(List<Line> lines, String what, Judge judge, double target) {
    Line l = new Line(what, judge, target, new Samples(what, "ms"), new Samples(what, "ms"));
    lines.add(l);
    return l;
  }
}
