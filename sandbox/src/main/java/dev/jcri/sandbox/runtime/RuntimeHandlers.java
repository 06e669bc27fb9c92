package dev.jcri.sandbox.runtime;

import dev.jcri.common.FailedPreconditionException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The configured runtime handlers by name, and which one a pod that names none gets. */
public final class RuntimeHandlers implements AutoCloseable {

  private final Map<String, ContainerRuntime> byName;
  private final String defaultName;

  public RuntimeHandlers(Map<String, ContainerRuntime> byName, String defaultName) {
    this.byName = new LinkedHashMap<>(byName);
    this.defaultName = defaultName;
  }

  public Set<String> names() {
    return byName.keySet();
  }

  /** The handler of a pod whose RunPodSandbox names none. */
  public String defaultName() {
    return defaultName;
  }

  public Optional<ContainerRuntime> find(String handler) {
    return Optional.ofNullable(byName.get(handler));
  }

  /** The runtime of {@code handler}; a handler no longer configured (after a config change) is refused. */
  public ContainerRuntime get(String handler, String of) {
    ContainerRuntime rt = byName.get(handler);
    if (rt == null) {
      throw new FailedPreconditionException("runtime handler \"" + handler + "\" of " + of
          + " is not configured (configured: " + String.join(", ", byName.keySet()) + ")");
    }
    return rt;
  }

  public Collection<ContainerRuntime> all() {
    return byName.values();
  }

  @Override
  public void close() {
    byName.values().forEach(ContainerRuntime::close);
  }
}
