package dev.jcri.sandbox.runtime;

/** A terminal's size in character cells. */
public record TerminalSize(int columns, int rows) {

  /** Whether the size is one conmon and the kernel take (conmon refuses anything over 1000). */
  public boolean valid() {
    return columns > 0 && rows > 0 && columns <= 1000 && rows <= 1000;
  }
}
