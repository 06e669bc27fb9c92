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
    b.append("Same Java gRPC client for both; medians / p90 / max; ratio = jcri median / containerd median.\n\n");
    b.append("| | jcri median | p90 | max | containerd median | p90 | max | ratio | target | met |\n");
    b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |\n");
    for (Bench.Line l : lines) {
      double ratio = l.jcri().median() / l.ctd().median();
      b.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %s | %s |%n",
          l.what(), l.jcri().median(), l.jcri().p90(), l.jcri().max(), l.ctd().median(), l.ctd().p90(),
          l.ctd().max(), ratio, Double.isNaN(l.target()) ? "" : String.format(Locale.ROOT, "<= %.1f", l.target()),
          Double.isNaN(l.target()) ? "" : ratio <= l.target() ? "yes" : "no"));
    }
    b.append('\n');
    notes.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
    return b.toString();
  }

  /** A PNG of jcri vs containerd medians per line, through gnuplot (skipped, with a word, when absent). */
  static void chart(List<Bench.Line> lines, Path png, Path work) throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/gnuplot"))) {
      System.out.println("gnuplot not installed; no chart");
      return;
    }
    Path data = work.resolve("chart.dat");
    StringBuilder d = new StringBuilder();
    int i = 0;
    for (Bench.Line l : lines) {
      if (l.what().contains("MiB")) {
        continue;
      }
      d.append(String.format(Locale.ROOT, "%d \"%s\" %.2f %.2f%n", i++, l.what().replaceAll("\\(.*\\)", "")
          .replace("\"", "").strip(), l.jcri().median(), l.ctd().median()));
    }
    Files.writeString(data, d.toString());
    Path script = work.resolve("chart.gp");
    Files.writeString(script, """
        set terminal png size 1400,700
        set output '%s'
        set title 'jcri vs containerd 1.6 + crun: medians (ms, lower is better)'
        set style data histograms
        set style histogram cluster gap 1
        set style fill solid 0.8 border -1
        set logscale y
        set xtics rotate by -30 font ',9'
        set key top left
        plot '%s' using 3:xtic(2) title 'jcri', '' using 4 title 'containerd'
        """.formatted(png, data));
    Process p = new ProcessBuilder("/usr/bin/gnuplot", script.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      System.out.println("gnuplot failed: " + out);
    }
  }
}
