package dev.jcri.common;

/** The work did not finish within its deadline. */
public final class DeadlineExceededException extends JcriException {

  public DeadlineExceededException(String message) {
    super(message);
  }

  public DeadlineExceededException(String message, Throwable cause) {
    super(message, cause);
  }
}
