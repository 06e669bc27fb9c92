package dev.jcri.sandbox.cni;

import java.nio.file.Path;
import java.util.List;

/** A pod's network: set up in its network namespace, torn down by what set-up recorded. */
public interface PodNetwork {

  /** Sets the pod's network up in the namespace pinned at {@code netns}. */
  CniResult add(CniNetwork.PodRef pod, Path netns, List<PortMapping> ports);

  /** Tears the pod's network down; a pod with nothing set up is fine, and so is a namespace already gone. */
  void del(String podId, CniNetwork.PodRef pod);

  /**
   * At start: removes what a crash left half-written and returns the pods that have network state recorded,
   * for the sweep of unfinished pods.
   */
  List<String> recover();
}
