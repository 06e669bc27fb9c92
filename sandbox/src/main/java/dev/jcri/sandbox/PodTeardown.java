package dev.jcri.sandbox;

import dev.jcri.sandbox.container.ContainerManager;
import dev.jcri.sandbox.pod.PodSandbox;
import dev.jcri.sandbox.pod.PodSandboxManager;

/**
 * StopPodSandbox and RemovePodSandbox: the pod's containers first, then its sandbox, so pods and containers
 * never call each other (containerd's stopPodSandbox does the same). Both are idempotent: a missing pod, or
 * one already stopped or half removed, is finished.
 */
public final class PodTeardown {

  private final PodSandboxManager pods;
  private final ContainerManager containers;

  public PodTeardown(PodSandboxManager pods, ContainerManager containers) {
    this.pods = pods;
    this.containers = containers;
  }

  /** Kills the pod's containers, then stops its infra process and tears its network down. */
  public void stop(String idOrPrefix) {
    PodSandbox pod = pods.findToEnd(idOrPrefix).orElse(null);
    if (pod == null) {
      return;
    }
    containers.stopAll(pod.id());
    pods.stop(pod.id());
  }

  /** Stops the pod, removes its containers, then everything the sandbox holds. */
  public void remove(String idOrPrefix) {
    PodSandbox pod = pods.findToEnd(idOrPrefix).orElse(null);
    if (pod == null) {
      return;
    }
    stop(pod.id());
    containers.removeAll(pod.id());
    pods.remove(pod.id());
  }
}
