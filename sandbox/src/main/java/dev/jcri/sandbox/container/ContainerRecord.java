package dev.jcri.sandbox.container;

import java.util.List;

/**
 * A container as jcri keeps it, one versioned JSON record each.
 *
 * @param imageId the id of the image it was created from
 * @param imageRef the image reference as the client gave it
 * @param createdAt nanoseconds since the epoch; {@code startedAt} and {@code finishedAt} likewise, 0 until then
 * @param logPath the absolute log file path
 * @param cgroupPath the container's cgroup (inside its pod's)
 */
public record ContainerRecord(
    int version,
    String id,
    String podId,
    ContainerSpec spec,
    String imageId,
    String imageRef,
    State state,
    long createdAt,
    long startedAt,
    long finishedAt,
    int exitCode,
    String reason,
    String message,
    int pid,
    String runtimeHandler,
    String logPath,
    String cgroupPath,
    String stopSignal,
    User user) {

  public static final int VERSION = 1;

  /**
   * The identity the container's first process was given (ContainerStatus.user): uid, primary gid and every
   * group, the primary one first. Records written before jcri kept it have none.
   */
  public record User(long uid, long gid, List<Long> groups) {
    public User {
      groups = List.copyOf(groups);
    }
  }

  public enum State { CREATED, RUNNING, EXITED, UNKNOWN }

  public ContainerRecord started(long at, int newPid) {
    return new ContainerRecord(version, id, podId, spec, imageId, imageRef, State.RUNNING, createdAt, at, finishedAt,
        exitCode, reason, message, newPid, runtimeHandler, logPath, cgroupPath, stopSignal, user);
  }

  /** The same record with its start time (for a container whose exit was seen before its start returned). */
  public ContainerRecord withStartedAt(long at) {
    return new ContainerRecord(version, id, podId, spec, imageId, imageRef, state, createdAt, at,
        Math.max(finishedAt, at), exitCode, reason, message, pid, runtimeHandler, logPath, cgroupPath, stopSignal, user);
  }

  public ContainerRecord exited(long at, int code, String why, String msg) {
    return new ContainerRecord(version, id, podId, spec, imageId, imageRef, State.EXITED, createdAt, startedAt, at,
        code, why, msg, pid, runtimeHandler, logPath, cgroupPath, stopSignal, user);
  }

  public String reservationKey() {
    return reservationKey(podId, spec);
  }

  /** The name a container is reserved under: its pod, name and attempt. */
  public static String reservationKey(String podId, ContainerSpec spec) {
    return podId + "/" + spec.name() + "/" + spec.attempt();
  }
}
