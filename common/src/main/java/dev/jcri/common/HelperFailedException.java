package dev.jcri.common;

/**
 * A helper jcri runs (the OCI runtime, conmon, a CNI plugin, unshare) failed or gave an answer jcri cannot
 * read: an INTERNAL error whose message carries what the helper said. Not FAILED_PRECONDITION, which says the
 * caller asked for something the current state does not allow.
 */
public final class HelperFailedException extends JcriException {

  public HelperFailedException(String message) {
    super(message);
  }

  public HelperFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
