package dev.jcri.sandbox.trace;

/** Told how long each step of a creation took (for metrics); {@code kind} is "pod" or "container". */
@FunctionalInterface
public interface StepObserver {

  StepObserver NONE = (kind, step, seconds) -> { };

  void stepDone(String kind, String step, double seconds);
}
