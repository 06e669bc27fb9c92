package dev.jcri.common;

/** jcri does not do this (yet), or not on this host. */
public final class UnimplementedException extends JcriException {

  public UnimplementedException(String message) {
    super(message);
  }

  public UnimplementedException(String message, Throwable cause) {
    super(message, cause);
  }
}
