package dev.jcri.sandbox.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The global options every invocation of an OCI runtime handler takes: its state root, and whether cgroups go
 * through systemd (cgroupsPath is then {@code slice:prefix:name} and the runtime makes a transient scope).
 */
public record RuntimeOptions(Path root, boolean systemdCgroup) {

  /** The options, before the runtime's command. */
  public List<String> args() {
    List<String> args = new ArrayList<>(List.of("--root=" + root));
    if (systemdCgroup) {
      args.add("--systemd-cgroup");
    }
    return args;
  }

  /** The same options as conmon passes them on to the runtime, plus conmon's own for systemd. */
  List<String> conmonArgs() {
    List<String> args = new ArrayList<>();
    for (String a : args()) {
      args.add("--runtime-arg");
      args.add(a);
    }
    if (systemdCgroup) {
      args.add("--systemd-cgroup");
    }
    return args;
  }
}
