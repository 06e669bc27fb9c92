package dev.jcri.sandbox.cdi;

import java.util.ArrayList;
import java.util.List;

/**
 * What CDI devices add to a container (the CDI spec's containerEdits): environment, device nodes, bind mounts
 * and OCI hooks. Several devices' edits add up in the order the devices were asked for.
 */
public record CdiEdits(List<String> env, List<DeviceNode> deviceNodes, List<Mount> mounts, List<Hook> hooks) {

  public static final CdiEdits NONE = new CdiEdits(List.of(), List.of(), List.of(), List.of());

  public CdiEdits {
    env = env == null ? List.of() : List.copyOf(env);
    deviceNodes = deviceNodes == null ? List.of() : List.copyOf(deviceNodes);
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
    hooks = hooks == null ? List.of() : List.copyOf(hooks);
  }

  /** A device node: {@code path} in the container, {@code hostPath} on the node (the same when not given). */
  public record DeviceNode(String path, String hostPath, String permissions) {}

  /** A bind mount of {@code hostPath} at {@code containerPath} with the spec's mount options. */
  public record Mount(String hostPath, String containerPath, List<String> options) {
    public Mount {
      options = options == null ? List.of() : List.copyOf(options);
    }
  }

  /** An OCI hook run at {@code hookName} (createRuntime, createContainer, startContainer, poststart, poststop). */
  public record Hook(String hookName, String path, List<String> args, List<String> env, Integer timeout) {
    public Hook {
      args = args == null ? List.of() : List.copyOf(args);
      env = env == null ? List.of() : List.copyOf(env);
    }
  }

  public boolean isEmpty() {
    return env.isEmpty() && deviceNodes.isEmpty() && mounts.isEmpty() && hooks.isEmpty();
  }

  /** These edits followed by {@code more}. */
  public CdiEdits plus(CdiEdits more) {
    return new CdiEdits(concat(env, more.env), concat(deviceNodes, more.deviceNodes), concat(mounts, more.mounts),
        concat(hooks, more.hooks));
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
