package dev.jcri.server.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The bench's results as a Markdown table and a gnuplot bar chart of the medians. */
final class Report {

  private Report() {}

  static String markdown(List<Bench.Line> lines, Map<String, String> notes) {
    StringBuilder b = new StringBuilder();
    b.append("# jcri vs containerd 1.6 + crun\n\n");
    b.append("Same Java gRPC client for both; median / p90 / p99 / max (ms unless the line says otherwise); ratio ="
        + " jcri median / containerd median; each target says which figure it judges (at most the value given).\n\n");
    b.append("| | jcri median | p90 | p99 | max | containerd median | p90 | p99 | max | ratio | target | met |\n");
    b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |\n");
    int met = 0;
    int judged = 0;
    for (Bench.Line l : lines) {
      double ratio = l.jcri().median() / l.ctd().median();
      String target = "";
      if (l.judged()) {
        judged++;
        met += l.met() ? 1 : 0;
        target = l.judge() == Bench.Judge.MEDIAN_RATIO
            ? String.format(Locale.ROOT, "<= %.1f", l.target())
            : String.format(Locale.ROOT, "%s %.2f <= %.2f", l.judge().label, l.judge().value(l), l.target());
      }
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.2f | %s | %s |%n",
          l.what(), f(l.jcri().median()), f(l.jcri().p90()), f(l.jcri().p99()), f(l.jcri().max()),
          f(l.ctd().median()), f(l.ctd().p90()), f(l.ctd().p99()), f(l.ctd().max()), ratio, target,
          l.judged() ? l.met() ? "yes" : "no" : ""));
    }
    b.append(String.format(Locale.ROOT, "%nTargets met: %d of %d.%n%n", met, judged));
    notes.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
    return b.toString();
  }

  private static String f(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.1f", v);
  }

  /**
   * Two PNGs through gnuplot (skipped, with a word, when absent): jcri vs containerd medians of the timed lines,
   * and every judged line's figure as a share of its target (a bar at or under 1 is met).
   */
  static void chart(List<Bench.Line> lines, Path png, Path work) throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/gnuplot"))) {
      System.out.println("gnuplot not installed; no chart");
      return;
    }
    StringBuilder d = new StringBuilder();
    int i = 0;
    for (Bench.Line l : lines) {
      if (!l.jcri().unit.equals("ms") || l.what().contains("MiB") || l.what().contains("(ms)")) {
        continue;
      }
      d.append(String.format(Locale.ROOT, "%d \"%s\" %.2f %.2f%n", i++, label(l), l.jcri().median(),
          l.ctd().median()));
    }
    plot(work, "medians", d.toString(), png, """
        set title 'jcri vs containerd 1.6 + crun: medians (ms, lower is better)'
        set logscale y
        plot '%s' using 3:xtic(2) title 'jcri', '' using 4 title 'containerd'
        """);
    StringBuilder t = new StringBuilder();
    i = 0;
    for (Bench.Line l : lines) {
      if (l.judged()) {
        t.append(String.format(Locale.ROOT, "%d \"%s\" %.3f%n", i++, label(l),
            Math.max(0.001, l.judge().value(l) / l.target())));
      }
    }
    Path targets = png.resolveSibling(png.getFileName().toString().replace(".png", "-targets.png"));
    plot(work, "targets", t.toString(), targets, """
        set title 'each target: the figure it judges / the target (at or under 1 is met)'
        set yrange [0:*]
        set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb 'red'
        plot '%s' using 3:xtic(2) title 'jcri'
        """);
  }

  private static String label(Bench.Line l) {
    return l.what().replaceAll("\\(.*?\\)", "").replaceAll("^\\d+ pods, [0-9.]+ min of kubelet's polling: ", "steady: ")
        .replace("\"", "").replace("`", "").strip();
  }

  private static void plot(Path work, String name, String data, Path png, String body) throws Exception {
    Path file = work.resolve(name + ".dat");
    Files.writeString(file, data);
    Path script = work.resolve(name + ".gp");
    Files.writeString(script, """
        set terminal png size 1600,800
        set output '%s'
        set style data histograms
        set style histogram cluster gap 1
        set style fill solid 0.8 border -1
        set xtics rotate by -35 font ',8'
        set bmargin 14
        set key top left
        """.formatted(png) + body.formatted(file));
    Process p = new ProcessBuilder("/usr/bin/gnuplot", script.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      System.out.println("gnuplot failed: " + out);
    }
    // Nothing to draw (a partial run has no containerd medians for the log scale): no empty file.
    if (Files.exists(png) && Files.size(png) == 0) {
      Files.delete(png);
    }
  }
}
