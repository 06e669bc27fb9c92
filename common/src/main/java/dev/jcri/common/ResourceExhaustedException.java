package dev.jcri.common;

/** A limit was reached: disk, memory, a configured bound. */
public final class ResourceExhaustedException extends JcriException {

  public ResourceExhaustedException(String message) {
    super(message);
  }

  public ResourceExhaustedException(String message, Throwable cause) {
    super(message, cause);
  }
}
