package dev.jcri.common;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The undo stack of a multi-step creation: each step that made something registers how to unmake it; when a
 * later step fails, everything registered is undone in reverse order, and the original failure is what the
 * caller gets. Undo failures are logged and attached as suppressed. As CRI-O's resource cleaner, every step is
 * named, so a log says which undo failed.
 */
public final class Undo {

  private static final Log LOG = Log.of(Undo.class);

  private record Action(String name, Runnable action) {}

  private final Deque<Action> actions = new ArrayDeque<>();

  public void push(String name, Runnable action) {
    actions.push(new Action(name, action));
  }

  /** Undoes everything; returns {@code cause} with undo failures attached. */
  public <T extends Throwable> T rollback(T cause, String what) {
    while (!actions.isEmpty()) {
      Action a = actions.pop();
      try {
        a.action().run();
      } catch (RuntimeException e) {
        LOG.warn("undo step failed", "what", what, "step", a.name(), "error", e.getMessage());
        cause.addSuppressed(e);
      }
    }
    return cause;
  }

  public void clear() {
    actions.clear();
  }
}
