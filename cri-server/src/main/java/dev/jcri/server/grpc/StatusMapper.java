package dev.jcri.server.grpc;

import dev.jcri.common.AlreadyExistsException;
import dev.jcri.common.DeadlineExceededException;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.HelperFailedException;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.JcriException;
import dev.jcri.common.NotFoundException;
import dev.jcri.common.PermissionDeniedException;
import dev.jcri.common.ResourceExhaustedException;
import dev.jcri.common.UnavailableException;
import dev.jcri.common.UnimplementedException;
import dev.jcri.common.Log;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;

/** The one place where an exception becomes a gRPC status. */
public final class StatusMapper {

  private static final Log LOG = Log.of(StatusMapper.class);

  private StatusMapper() {}

  /**
   * Maps a failure to the status the caller sees. jcri's typed errors keep their message; anything else is
   * a fault of jcri, answered INTERNAL and logged once with its stack.
   */
  public static Status toStatus(Throwable t, String method) {
    if (t instanceof StatusRuntimeException sre) {
      return sre.getStatus();
    }
    if (t instanceof StatusException se) {
      return se.getStatus();
    }
    if (t instanceof JcriException je) {
      return codeOf(je).withDescription(je.getMessage()).withCause(je);
    }
    LOG.error("unexpected failure in " + method, t, "method", method);
    return Status.INTERNAL
        .withDescription("internal error in jcri while serving " + method + ": " + t.getClass().getSimpleName()
            + (t.getMessage() == null ? "" : ": " + t.getMessage()) + " (the jcri log has the details)")
        .withCause(t);
  }

  static Status codeOf(JcriException e) {
    return switch (e) {
      case NotFoundException x -> Status.NOT_FOUND;
      case AlreadyExistsException x -> Status.ALREADY_EXISTS;
      case InvalidArgumentException x -> Status.INVALID_ARGUMENT;
      case FailedPreconditionException x -> Status.FAILED_PRECONDITION;
      case UnavailableException x -> Status.UNAVAILABLE;
      case DeadlineExceededException x -> Status.DEADLINE_EXCEEDED;
      case ResourceExhaustedException x -> Status.RESOURCE_EXHAUSTED;
      case UnimplementedException x -> Status.UNIMPLEMENTED;
      case PermissionDeniedException x -> Status.PERMISSION_DENIED;
      case HelperFailedException x -> Status.INTERNAL;
    };
  }
}
