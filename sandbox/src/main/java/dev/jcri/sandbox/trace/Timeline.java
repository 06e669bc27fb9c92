package dev.jcri.sandbox.trace;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/** Times each step of a creation, keeps name and milliseconds, and traces it as a child span of the RPC. */
public final class Timeline {

  private final Tracer tracer;
  private final String podId;
  private final String idAttribute;
  private final List<Step> steps = Collections.synchronizedList(new ArrayList<>());

  /** One step and how long it took. */
  public record Step(String name, double ms) {
    /**
     * As a record's own would read, written out: the record's is bound on its first call (~6 ms on a cold JVM,
     * in the first RunPodSandbox's log line).
     */
    @Override
    public String toString() {
      return "Step[name=" + name + ", ms=" + ms + "]";
    }
  }

  private final String kind;
  private final StepObserver observer;

  /**
   * @param kind what is being made ("pod", "container"), for the observer
   * @param idAttribute the span attribute naming the object ({@code jcri.pod_sandbox_id}, ...)
   */
  public Timeline(Tracer tracer, StepObserver observer, String kind, String idAttribute, String id) {
    this.tracer = tracer;
    this.observer = observer;
    this.kind = kind;
    this.idAttribute = idAttribute;
    this.podId = id;
  }

  public <T> T step(String name, Supplier<T> work) {
    return timed(name, tracer.spanBuilder(name).setAttribute(idAttribute, podId).startSpan(), System.nanoTime(),
        work);
  }

  /**
   * Starts a step that runs beside the following ones, on {@code executor}; it is listed (and its span
   * ended) when it finishes.
   */
  public <T> CompletableFuture<T> parallelStep(String name, Supplier<T> work,
      Executor executor) {
    Span span = tracer.spanBuilder(name).setAttribute(idAttribute, podId).setAttribute("jcri.parallel", true)
        .startSpan();
    long t0 = System.nanoTime();
    return CompletableFuture.supplyAsync(() -> timed(name, span, t0, work), executor);
  }

  /** Runs {@code work} in {@code span}, then lists the step with the time since {@code t0} and ends the span. */
  private <T> T timed(String name, Span span, long t0, Supplier<T> work) {
    try (Scope _ = span.makeCurrent()) {
      return work.get();
    } catch (RuntimeException e) {
      span.setStatus(StatusCode.ERROR, e.getMessage());
      throw e;
    } finally {
      long nanos = System.nanoTime() - t0;
      steps.add(new Step(name, Math.round(nanos / 10_000.0) / 100.0));
      observer.stepDone(kind, name, nanos / 1e9);
      span.end();
    }
  }

  public void step(String name, Runnable work) {
    step(name, () -> {
      work.run();
      return null;
    });
  }

  public List<Step> steps() {
    synchronized (steps) {
      return List.copyOf(steps);
    }
  }
}
