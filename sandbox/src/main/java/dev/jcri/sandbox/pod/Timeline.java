package dev.jcri.sandbox.pod;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** Times each step of a creation, keeps name and milliseconds, and traces it as a child span of the RPC. */
final class Timeline {

  private final Tracer tracer;
  private final String podId;
  private final List<PodSandbox.Step> steps = new ArrayList<>();

  Timeline(Tracer tracer, String podId) {
    this.tracer = tracer;
    this.podId = podId;
  }

  <T> T step(String name, Supplier<T> work) {
    Span span = tracer.spanBuilder(name).setAttribute("jcri.pod_sandbox_id", podId).startSpan();
    long t0 = System.nanoTime();
    try (Scope _ = span.makeCurrent()) {
      return work.get();
    } catch (RuntimeException e) {
      span.setStatus(StatusCode.ERROR, e.getMessage());
      throw e;
    } finally {
      steps.add(new PodSandbox.Step(name, Math.round((System.nanoTime() - t0) / 10_000.0) / 100.0));
      span.end();
    }
  }

  void step(String name, Runnable work) {
    step(name, () -> {
      work.run();
      return null;
    });
  }

  List<PodSandbox.Step> steps() {
    return List.copyOf(steps);
  }
}
