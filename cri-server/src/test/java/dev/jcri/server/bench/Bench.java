package dev.jcri.server.bench;

import dev.jcri.image.testing.LocalRegistry;
import dev.jcri.image.testing.RegistryPusher;
import dev.jcri.image.testing.TestImage;
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

  /** One comparison line: what, the target ratio (jcri / containerd), both sides' samples. */
  record Line(String what, double target, Samples jcri, Samples ctd) {}

  public static void main(String[] args) throws Exception {
    Path launcher = Path.of(args[0]).toAbsolutePath();
    Path home = Path.of(args[1]).toAbsolutePath();
    Path results = Files.createDirectories(Path.of(args[2]).toAbsolutePath());
    Path work = Files.createTempDirectory("jcri-bench");
    System.out.println("bench work dir " + work);
    LocalRegistry registry = LocalRegistry.start(work.resolve("registry"));
    List<Line> lines = new ArrayList<>();
    Map<String, String> notes = new LinkedHashMap<>();
    // Each results file names the change it measured, so the files in order record each change's effect.
    notes.put("jcri at", builtFrom(results.getParent().getParent()));
    try {
      RegistryPusher pusher = new RegistryPusher(registry);
      TestImage.Built busybox = new TestImage().busyboxLayer().cmd("/bin/sleep", "3600").build();
      pusher.push("bench/busybox", "1", busybox);
      pusher.push("bench/pause", "1", new TestImage().busyboxLayer().cmd("/bin/sleep", "2147483647").build());
      // Images alike in shape but sharing no layer but busybox's (which both runtimes hold from the start), so
      // that every pull downloads and unpacks two new layers on both sides.
      for (int v = 1; v <= PULLS; v++) {
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

      Samples readyJ = new Samples("socket ready", "ms");
      Samples readyC = new Samples("socket ready", "ms");
      try (BenchedRuntime j = BenchedRuntime.jcri(launcher, home, Files.createDirectories(work.resolve("jcri")));
          BenchedRuntime c = BenchedRuntime.containerd(Files.createDirectories(work.resolve("ctd")),
              registry.host(), registry.host() + "/bench/pause:1")) {
        readyJ.add(j.readyMs);
        readyC.add(c.readyMs);
        Scenarios sj = new Scenarios(j, image, work.resolve("logs-jcri"));
        Scenarios sc = new Scenarios(c, image, work.resolve("logs-ctd"));
        sj.pull(image);
        sc.pull(image);
        sc.pull(registry.host() + "/bench/pause:1");
        // The first calls after start, then the same warm-up for both (JIT, caches, the first CNI runs) before
        // anything else is timed: a node's runtime runs for days, so steady state is what the table compares.
        Line firstPod = line(lines, "first RunPodSandbox after start (cold)", Double.NaN);
        sj.podRuns(1, firstPod.jcri());
        sc.podRuns(1, firstPod.ctd());
        for (Scenarios s : List.of(sj, sc)) {
          s.podRuns(20, new Samples("warm", "ms"));
          s.createStarts(20, new Samples("warm", "ms"));
          s.execSyncs(50, new Samples("warm", "ms"));
        }

        Thread.sleep(2000);
        double idleJ = j.rssMib();
        double idleC = c.rssMib();

        Line podRun = line(lines, "RunPodSandbox (sequential x" + ROUNDS + ")", 0.7);
        Line createStart = line(lines, "CreateContainer + StartContainer (x" + ROUNDS + ")", 0.7);
        Line exec = line(lines, "ExecSync `true` (x50)", 1.0);
        for (int half = 0; half < 2; half++) {
          // Alternate which runtime goes first, in halves.
          for (Scenarios s : half == 0 ? List.of(sj, sc) : List.of(sc, sj)) {
            boolean isJ = s == sj;
            s.podRuns(ROUNDS / 2, isJ ? podRun.jcri() : podRun.ctd());
            s.createStarts(ROUNDS / 2, isJ ? createStart.jcri() : createStart.ctd());
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
        Line idle = line(lines, "runtime RSS idle, after warm-up (MiB)", Double.NaN);
        idle.jcri().add(idleJ);
        idle.ctd().add(idleC);
        Line ready = new Line("socket ready after start (ms)", Double.NaN, readyJ, readyC);
        lines.add(ready);

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
        notes.put("floor: netns + CNI ADD of the same chain (bridge, portmap) + crun run -d, no runtime", String.format("median %.0f ms, p90 %.0f ms",
            floorS.median(), floorS.p90()));
        notes.put("jcri pod + container ready / floor", String.format("%.2fx (target <= 1.3x)",
            podAndCtrJ.median() / floorS.median()));
      }
    } finally {
      registry.close();
    }
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    String md = Report.markdown(lines, notes);
    Files.writeString(results.resolve("bench-" + stamp + ".md"), md, StandardCharsets.UTF_8);
    Files.writeString(results.resolve("latest.md"), md, StandardCharsets.UTF_8);
    Report.chart(lines, results.resolve("bench-" + stamp + ".png"), work);
    System.out.println(md);
    System.out.println("written to " + results);
    new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor(60, TimeUnit.SECONDS);
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

  private static Line line(List<Line> lines, String what, double target) {
    Line l = new Line(what, target, new Samples(what, "ms"), new Samples(what, "ms"));
    lines.add(l);
    return l;
  }
}
