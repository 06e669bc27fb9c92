package dev.jcri.server;

import dev.jcri.common.Log;
import dev.jcri.image.ImageService;
import dev.jcri.sandbox.container.ContainerManager;
import dev.jcri.sandbox.pod.PodSandboxManager;

/**
 * What jcri does at start before it serves, in one place and in this order:
 * <ol>
 *   <li>images: partial downloads and half-unpacked layers an interrupted pull left go;</li>
 *   <li>pods: a READY pod whose namespaces are gone (a reboot) becomes NOTREADY;</li>
 *   <li>containers: each record learns the exits conmon wrote while jcri was down; bundles and writable layers of
 *       creations cut short go (the snapshots exist only once images recovered);</li>
 *   <li>pods: infra processes, networks, namespace pins, files and cgroups of pod creations cut short go (infra
 *       processes first, before the cgroups they live in).</li>
 * </ol>
 */
final class Recovery {

  private static final Log LOG = Log.of(Recovery.class);

  private final ImageService images;
  private final PodSandboxManager pods;
  private final ContainerManager containers;

  Recovery(ImageService images, PodSandboxManager pods, ContainerManager containers) {
    this.images = images;
    this.pods = pods;
    this.containers = containers;
  }

  void run() {
    long t0 = System.nanoTime();
    images.recover();
    long t1 = System.nanoTime();
    pods.recover();
    long t2 = System.nanoTime();
    containers.recover();
    long t3 = System.nanoTime();
    int swept = pods.sweepUnfinished();
    long t4 = System.nanoTime();
    LOG.info("recovered", "images_ms", ms(t1 - t0), "pods_ms", ms(t2 - t1), "containers_ms", ms(t3 - t2),
        "sweep_ms", ms(t4 - t3), "unfinished_pod_items", swept);
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }
}
