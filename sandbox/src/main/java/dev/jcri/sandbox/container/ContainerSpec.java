package dev.jcri.sandbox.container;

import dev.jcri.sandbox.cgroup.CgroupResources;
import dev.jcri.sandbox.pod.NamespaceMode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a container is asked to be: the parts of the CRI ContainerConfig jcri acts on, free of protobuf.
 *
 * @param runAsUser a uid, or null to use {@code runAsUsername} or the image's USER
 * @param logPath the log file, relative to the pod's log directory
 * @param maskedPaths paths hidden in the container; empty means the defaults
 * @param readonlyPaths paths made read-only; empty means the defaults
 * @param groupsPolicy whether the image's /etc/group adds supplementary groups
 * @param cdiDevices CDI devices asked for by qualified name (vendor.com/class=name)
 */
public record ContainerSpec(
    String name,
    int attempt,
    String image,
    List<String> command,
    List<String> args,
    String workingDir,
    List<String> env,
    List<MountSpec> mounts,
    Map<String, String> labels,
    Map<String, String> annotations,
    String logPath,
    boolean stdin,
    boolean stdinOnce,
    boolean tty,
    CgroupResources resources,
    long oomScoreAdj,
    Long runAsUser,
    String runAsUsername,
    Long runAsGroup,
    List<Long> supplementalGroups,
    boolean readonlyRootfs,
    boolean privileged,
    List<String> capsAdd,
    List<String> capsDrop,
    boolean noNewPrivs,
    NamespaceMode pid,
    String targetId,
    List<String> maskedPaths,
    List<String> readonlyPaths,
    Seccomp seccomp,
    String seccompLocalhost,
    List<DeviceSpec> devices,
    GroupsPolicy groupsPolicy,
    List<String> cdiDevices) {

  public ContainerSpec {
    command = List.copyOf(command);
    args = List.copyOf(args);
    env = List.copyOf(env);
    mounts = List.copyOf(mounts);
    labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    annotations = Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
    supplementalGroups = List.copyOf(supplementalGroups);
    capsAdd = List.copyOf(capsAdd);
    capsDrop = List.copyOf(capsDrop);
    resources = resources == null ? CgroupResources.NONE : resources;
    maskedPaths = maskedPaths == null ? List.of() : List.copyOf(maskedPaths);
    readonlyPaths = readonlyPaths == null ? List.of() : List.copyOf(readonlyPaths);
    seccomp = seccomp == null ? Seccomp.UNCONFINED : seccomp;
    seccompLocalhost = seccompLocalhost == null ? "" : seccompLocalhost;
    devices = devices == null ? List.of() : List.copyOf(devices);
    groupsPolicy = groupsPolicy == null ? GroupsPolicy.MERGE : groupsPolicy;
    cdiDevices = cdiDevices == null ? List.of() : List.copyOf(cdiDevices);
  }

  public ContainerSpec withResources(CgroupResources r) {
    return new ContainerSpec(name, attempt, image, command, args, workingDir, env, mounts, labels, annotations,
        logPath, stdin, stdinOnce, tty, r, oomScoreAdj, runAsUser, runAsUsername, runAsGroup, supplementalGroups,
        readonlyRootfs, privileged, capsAdd, capsDrop, noNewPrivs, pid, targetId, maskedPaths, readonlyPaths,
        seccomp, seccompLocalhost, devices, groupsPolicy, cdiDevices);
  }

  /** A host device made available in the container; {@code permissions} is a subset of "rwm". */
  public record DeviceSpec(String containerPath, String hostPath, String permissions) {}

  /**
   * How the first process's supplementary groups are made (KEP-3619): MERGE adds the groups the image's
   * /etc/group gives the user to those asked for; STRICT gives only those asked for (and the primary group).
   */
  public enum GroupsPolicy { MERGE, STRICT }

  /** Which seccomp profile: none, jcri's default, or a file on the node. */
  public enum Seccomp { UNCONFINED, RUNTIME_DEFAULT, LOCALHOST }

  /**
   * A bind mount from the host; {@code idmapped} when kubelet asks for its owners to be mapped into the pod's
   * user namespace; {@code recursiveReadOnly}: every mount below it read-only as well (needs {@code readonly}
   * and private propagation); {@code options}: bind mount options kubelet asks for (KEP-5855: noexec, nodev,
   * nosuid). With {@code image} set (KEP-4639 image volumes), the source is that image's file system, read-only,
   * or {@code imageSubPath} in it, and {@code hostPath} is empty until jcri mounts the image.
   */
  public record MountSpec(String containerPath, String hostPath, boolean readonly, Propagation propagation,
      boolean idmapped, boolean recursiveReadOnly, List<String> options, String image, String imageSubPath) {

    /** The bind mount options jcri applies. */
    public static final List<String> OPTIONS = List.of("noexec", "nodev", "nosuid");

    public MountSpec {
      options = options == null ? List.of() : List.copyOf(options);
      image = image == null ? "" : image;
      imageSubPath = imageSubPath == null ? "" : imageSubPath;
    }

    public MountSpec(String containerPath, String hostPath, boolean readonly, Propagation propagation,
        boolean idmapped) {
      this(containerPath, hostPath, readonly, propagation, idmapped, false, List.of(), "", "");
    }

    /** Whether the source is an image (an image volume) rather than a host path. */
    public boolean isImage() {
      return !image.isEmpty();
    }

    public MountSpec withHostPath(String path) {
      return new MountSpec(containerPath, path, readonly, propagation, idmapped, recursiveReadOnly, options, image,
          imageSubPath);
    }
  }

  public ContainerSpec withMounts(List<MountSpec> m) {
    return new ContainerSpec(name, attempt, image, command, args, workingDir, env, m, labels, annotations,
        logPath, stdin, stdinOnce, tty, resources, oomScoreAdj, runAsUser, runAsUsername, runAsGroup,
        supplementalGroups, readonlyRootfs, privileged, capsAdd, capsDrop, noNewPrivs, pid, targetId, maskedPaths,
        readonlyPaths, seccomp, seccompLocalhost, devices, groupsPolicy, cdiDevices);
  }

  public enum Propagation { PRIVATE, HOST_TO_CONTAINER, BIDIRECTIONAL }
}
