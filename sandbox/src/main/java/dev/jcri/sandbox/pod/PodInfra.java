package dev.jcri.sandbox.pod;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The PID-1 holder of a pod whose containers share one PID namespace. Pods own it: RunPodSandbox starts it
 * beside the network set-up, StopPodSandbox stops it once the containers are stopped, RemovePodSandbox removes it.
 */
public interface PodInfra {

  /**
   * The pid of the pod's infra process, started when it does not run.
   *
   * @param cgroupPath the infra process's own cgroup (the runtime makes it, inside the pod's)
   * @param userns the pod's user namespace mappings, or null without one
   */
  int ensure(String podId, String handler, Map<String, String> pins, String cgroupPath, PodSpec.UserNamespace userns);

  /** The pid of the pod's infra process while it runs; empty for a pod without one. */
  OptionalInt pid(String podId);

  /** Kills the infra process; a pod without one is left alone. */
  void stop(String podId, String handler);

  /** Removes the infra process and its bundle; idempotent. */
  void remove(String podId, String handler);

  /** Pods that have infra state on disk, for the start-up sweep. */
  List<String> podIds();

  /** Removes the infra of a pod no record names, whichever runtime ran it. */
  void removeOrphan(String podId);
}
