package dev.jcri.server.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Durations (ms) or sizes of one measurement, with the figures the report shows. */
final class Samples {

  final String name;
  final String unit;
  private final List<Double> values = new ArrayList<>();

  Samples(String name, String unit) {
    this.name = name;
    this.unit = unit;
  }

  synchronized void add(double v) {
    values.add(v);
  }

  synchronized int count() {
    return values.size();
  }

  synchronized double median() {
    return quantile(0.5);
  }

  synchronized double p90() {
    return quantile(0.9);
  }

  synchronized double p99() {
    return quantile(0.99);
  }

  synchronized double max() {
    return values.isEmpty() ? Double.NaN : Collections.max(values);
  }

  private double quantile(double q) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int i = (int) Math.ceil(q * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  /** The {@code n} largest values, each with its place in the order they were taken: "78.7 (1st of 30)". */
  synchronized String slowest(int n) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      order.add(i);
    }
    order.sort((a, b) -> Double.compare(values.get(b), values.get(a)));
    List<String> out = new ArrayList<>();
    for (int i : order.subList(0, Math.min(n, order.size()))) {
      out.add(String.format(java.util.Locale.ROOT, "%.1f (call %d of %d)", values.get(i), i + 1, values.size()));
    }
    return String.join(", ", out);
  }

  /** Times {@code work} in milliseconds and records it. */
  <T> T time(java.util.concurrent.Callable<T> work) throws Exception {
    long t0 = System.nanoTime();
    T r = work.call();
    add((System.nanoTime() - t0) / 1e6);
    return r;
  }
}
