package dev.jcri.common;

/** The request itself is wrong; retrying it unchanged cannot succeed. */
public final class InvalidArgumentException extends JcriException {

  public InvalidArgumentException(String message) {
    super(message);
  }

  public InvalidArgumentException(String message, Throwable cause) {
    super(message, cause);
  }
}
