package dev.jcri.common;

/** A dependency (registry, helper, kernel facility) is not reachable now; a retry may succeed. */
public final class UnavailableException extends JcriException {

  public UnavailableException(String message) {
    super(message);
  }

  public UnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
