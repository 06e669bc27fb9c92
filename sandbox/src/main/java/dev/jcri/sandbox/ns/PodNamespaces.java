package dev.jcri.sandbox.ns;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** Making, entering and releasing a pod's pinned namespaces: the seam between pods and the kernel. */
public interface PodNamespaces {

  /** What is set inside new namespaces before they are pinned: the UTS hostname and namespaced sysctls. */
  record Setup(String hostname, Map<String, String> sysctls) {}

  /**
   * Creates and pins namespaces of {@code kinds} for the pod, with {@code setup} applied inside; on failure
   * nothing stays pinned.
   *
   * @return the pin of each kind
   */
  Map<NamespaceKind, Path> create(String podId, Set<NamespaceKind> kinds, Setup setup);

  /** As {@link #create}, with the namespaces owned by a new user namespace with these id maps (pinned too). */
  Map<NamespaceKind, Path> createInUserNamespace(String podId, Set<NamespaceKind> kinds, String uidMap, String gidMap,
      Setup setup);

  /** The pins on disk by pod id, for the start-up sweep of unfinished pods. */
  Map<String, List<Path>> pinned();

  /** Releases a pin; a missing pin is fine. */
  void release(Path pin);

  /** Runs {@code action} on a thread that has joined the namespace pinned at {@code pin}. */
  <T> T enter(Path pin, NamespaceKind kind, Supplier<T> action);
}
