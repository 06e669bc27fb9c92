package dev.jcri.common;

/** The named object does not exist. */
public final class NotFoundException extends JcriException {

  public NotFoundException(String message) {
    super(message);
  }

  public NotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
