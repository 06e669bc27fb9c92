package dev.jcri.common;

/** Access was refused: a registry rejected the credentials given, or gave none where they are needed. */
public final class PermissionDeniedException extends JcriException {

  public PermissionDeniedException(String message) {
    super(message);
  }

  public PermissionDeniedException(String message, Throwable cause) {
    super(message, cause);
  }
}
