package dev.jcri.common;

/** An object of that name or identity exists already, or is being made. */
public final class AlreadyExistsException extends JcriException {

  public AlreadyExistsException(String message) {
    super(message);
  }

  public AlreadyExistsException(String message, Throwable cause) {
    super(message, cause);
  }
}
