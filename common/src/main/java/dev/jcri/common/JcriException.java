package dev.jcri.common;

/**
 * The root of jcri's typed errors. Domain code throws one of the permitted kinds; the server maps each kind
 * to one gRPC status code in a single place, so the message here is what the caller reads: say what was
 * wrong and what to do about it.
 */
public abstract sealed class JcriException extends RuntimeException
    permits NotFoundException, AlreadyExistsException, InvalidArgumentException,
        FailedPreconditionException, UnavailableException, DeadlineExceededException,
        ResourceExhaustedException, UnimplementedException, PermissionDeniedException, HelperFailedException {

  protected JcriException(String message) {
    super(message);
  }

  protected JcriException(String message, Throwable cause) {
    super(message, cause);
  }
}
