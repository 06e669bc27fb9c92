package dev.jcri.common;

/** The request is valid but the object is not in a state that allows it. */
public final class FailedPreconditionException extends JcriException {

  public FailedPreconditionException(String message) {
    super(message);
  }

  public FailedPreconditionException(String message, Throwable cause) {
    super(message, cause);
  }
}
