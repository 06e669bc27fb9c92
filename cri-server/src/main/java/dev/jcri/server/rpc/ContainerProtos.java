package dev.jcri.server.rpc;

import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.cri.v1.Container;
import dev.jcri.cri.v1.ContainerAttributes;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ContainerMetadata;
import dev.jcri.cri.v1.ContainerState;
import dev.jcri.cri.v1.ContainerStats;
import dev.jcri.cri.v1.ContainerStatus;
import dev.jcri.cri.v1.ContainerUser;
import dev.jcri.cri.v1.IoUsage;
import dev.jcri.cri.v1.SwapUsage;
import dev.jcri.cri.v1.FilesystemIdentifier;
import dev.jcri.cri.v1.FilesystemUsage;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.LinuxContainerSecurityContext;
import dev.jcri.cri.v1.LinuxContainerUser;
import dev.jcri.cri.v1.Mount;
import dev.jcri.cri.v1.MountPropagation;
import dev.jcri.cri.v1.SELinuxOption;
import dev.jcri.sandbox.cgroup.CgroupStats;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.container.ContainerSpec;
import java.nio.file.Files;
import java.nio.file.Path;

/** Conversions between the CRI's container messages and the sandbox module's records. */
final class ContainerProtos {

  private ContainerProtos() {}

  static ContainerSpec toSpec(ContainerConfig c) {
    LinuxContainerSecurityContext sc = c.getLinux().getSecurityContext();
    refuseAppArmor(sc);
    refuseSelinux(sc.getSelinuxOptions(), "container " + c.getMetadata().getName());
    return new ContainerSpec(
        c.getMetadata().getName(), c.getMetadata().getAttempt(), c.getImage().getImage(),
        c.getCommandList(), c.getArgsList(), c.getWorkingDir(),
        c.getEnvsList().stream().map(kv -> kv.getKey() + "=" + kv.getValue().toStringUtf8()).toList(),
        c.getMountsList().stream().map(ContainerProtos::mount).toList(),
        c.getLabelsMap(), c.getAnnotationsMap(), c.getLogPath(), c.getStdin(), c.getStdinOnce(), c.getTty(),
        PodProtos.resources(c.getLinux().getResources()), c.getLinux().getResources().getOomScoreAdj(),
        sc.hasRunAsUser() ? sc.getRunAsUser().getValue() : null, sc.getRunAsUsername(),
        sc.hasRunAsGroup() ? sc.getRunAsGroup().getValue() : null, sc.getSupplementalGroupsList(),
        sc.getReadonlyRootfs(), sc.getPrivileged(),
        sc.getCapabilities().getAddCapabilitiesList(), sc.getCapabilities().getDropCapabilitiesList(),
        sc.getNoNewPrivs(), PodProtos.mode(sc.getNamespaceOptions().getPidValue()),
        sc.getNamespaceOptions().getTargetId(), sc.getMaskedPathsList(), sc.getReadonlyPathsList(),
        seccomp(sc), seccompLocalhost(sc),
        c.getDevicesList().stream().map(d -> new ContainerSpec.DeviceSpec(d.getContainerPath(), d.getHostPath(),
            d.getPermissions())).toList(),
        groupsPolicy(sc), c.getCDIDevicesList().stream().map(d -> d.getName()).toList());
  }

  static ContainerSpec.MountSpec mount(Mount m) {
    boolean image = m.hasImage() && !m.getImage().getImage().isEmpty();
    if (image && !m.getHostPath().isEmpty()) {
      throw new InvalidArgumentException("mount " + m.getContainerPath() + " names both a host path and an image");
    }
    if (!image && !m.getImageSubPath().isEmpty()) {
      throw new InvalidArgumentException("mount " + m.getContainerPath() + " has an image_sub_path but no image");
    }
    for (String option : m.getMountOptionsList()) {
      if (!ContainerSpec.MountSpec.OPTIONS.contains(option)) {
        throw new InvalidArgumentException("mount " + m.getContainerPath() + ": mount option \""
            + option.replaceAll("\\p{Cntrl}", "?") + "\" is not supported (jcri applies "
            + String.join(", ", ContainerSpec.MountSpec.OPTIONS) + ")");
      }
    }
    return new ContainerSpec.MountSpec(m.getContainerPath(), m.getHostPath(), m.getReadonly(),
        switch (m.getPropagationValue()) {
          case 0 -> ContainerSpec.Propagation.PRIVATE;
          case 1 -> ContainerSpec.Propagation.HOST_TO_CONTAINER;
          case 2 -> ContainerSpec.Propagation.BIDIRECTIONAL;
          default -> throw new InvalidArgumentException("mount " + m.getContainerPath()
              + ": unknown propagation " + m.getPropagationValue()
              + " (expected PRIVATE=0, HOST_TO_CONTAINER=1, BIDIRECTIONAL=2)");
        }, m.getUidMappingsCount() > 0 || m.getGidMappingsCount() > 0, m.getRecursiveReadOnly(),
        m.getMountOptionsList(), image ? m.getImage().getImage() : "", m.getImageSubPath());
  }

  /** Merge (the default) or Strict; a value this jcri does not know is refused rather than read as Merge. */
  static ContainerSpec.GroupsPolicy groupsPolicy(LinuxContainerSecurityContext sc) {
    return switch (sc.getSupplementalGroupsPolicyValue()) {
      case 0 -> ContainerSpec.GroupsPolicy.MERGE;
      case 1 -> ContainerSpec.GroupsPolicy.STRICT;
      default -> throw new InvalidArgumentException("unknown supplemental_groups_policy "
          + sc.getSupplementalGroupsPolicyValue() + " (expected Merge=0, Strict=1)");
    };
  }

  /**
   * The seccomp choice, as containerd reads it: the SecurityProfile when set, else the deprecated path field
   * ("runtime/default", "docker/default", "localhost/<path>", "unconfined"); nothing at all is unconfined.
   */
  static ContainerSpec.Seccomp seccomp(LinuxContainerSecurityContext sc) {
    if (sc.hasSeccomp()) {
      // An unknown profile type is refused rather than read as Unconfined.
      return switch (sc.getSeccomp().getProfileTypeValue()) {
        case 0 -> ContainerSpec.Seccomp.RUNTIME_DEFAULT;
        case 1 -> ContainerSpec.Seccomp.UNCONFINED;
        case 2 -> ContainerSpec.Seccomp.LOCALHOST;
        default -> throw new InvalidArgumentException("unknown seccomp profile type "
            + sc.getSeccomp().getProfileTypeValue() + " (expected RuntimeDefault=0, Unconfined=1, Localhost=2)");
      };
    }
    @SuppressWarnings("deprecation")
    String path = sc.getSeccompProfilePath();
    if (path.equals("runtime/default") || path.equals("docker/default")) {
      return ContainerSpec.Seccomp.RUNTIME_DEFAULT;
    }
    if (path.startsWith("localhost/")) {
      return ContainerSpec.Seccomp.LOCALHOST;
    }
    if (path.isEmpty() || path.equals("unconfined")) {
      return ContainerSpec.Seccomp.UNCONFINED;
    }
    throw new InvalidArgumentException("seccomp profile \"" + path + "\" is not runtime/default,"
        + " docker/default, unconfined or localhost/<path>");
  }

  /**
   * jcri applies no AppArmor profile (the hosts it is built on have no AppArmor): as containerd does on such a
   * host, a container that asks for a profile other than Unconfined is refused loudly, never run unconfined
   * without a word.
   */
  static void refuseAppArmor(LinuxContainerSecurityContext sc) {
    @SuppressWarnings("deprecation")
    String legacy = sc.getApparmorProfile();
    String asked = sc.hasApparmor()
        ? (sc.getApparmor().getProfileTypeValue() == 1 ? "" : switch (sc.getApparmor().getProfileTypeValue()) {
            case 0 -> "RuntimeDefault";
            case 2 -> "Localhost " + sc.getApparmor().getLocalhostRef();
            default -> "type " + sc.getApparmor().getProfileTypeValue();
          })
        : legacy.equals("unconfined") ? "" : legacy;
    if (!asked.isEmpty()) {
      throw new FailedPreconditionException("AppArmor profile " + asked + " asked for, but jcri"
          + " applies no AppArmor profiles" + (Files.isDirectory(Path.of(
              "/sys/kernel/security/apparmor")) ? "" : " (and this node has no AppArmor)")
          + "; leave the profile unset or Unconfined");
    }
  }

  /**
   * jcri labels nothing for SELinux: a pod or container that asks for an SELinux context is refused, as an
   * AppArmor profile is, never run with the label silently dropped.
   */
  static void refuseSelinux(SELinuxOption o, String what) {
    if (o.getUser().isEmpty() && o.getRole().isEmpty() && o.getType().isEmpty() && o.getLevel().isEmpty()) {
      return;
    }
    boolean enabled = Files.exists(Path.of("/sys/fs/selinux/enforce"));
    throw new FailedPreconditionException(what + " asks for the SELinux context "
        + String.join(":", o.getUser(), o.getRole(), o.getType(), o.getLevel()) + ", but jcri applies no SELinux"
        + " labels" + (enabled ? "" : " (and this node has no SELinux)") + "; leave seLinuxOptions unset");
  }

  static String seccompLocalhost(LinuxContainerSecurityContext sc) {
    if (sc.hasSeccomp()) {
      return sc.getSeccomp().getLocalhostRef();
    }
    @SuppressWarnings("deprecation")
    String path = sc.getSeccompProfilePath();
    return path.startsWith("localhost/") ? path.substring("localhost/".length()) : "";
  }

  static ContainerMetadata metadata(ContainerRecord r) {
    return ContainerMetadata.newBuilder().setName(r.spec().name()).setAttempt(r.spec().attempt()).build();
  }

  static ContainerState state(ContainerRecord r) {
    return switch (r.state()) {
      case CREATED -> ContainerState.CONTAINER_CREATED;
      case RUNNING -> ContainerState.CONTAINER_RUNNING;
      case EXITED -> ContainerState.CONTAINER_EXITED;
      case UNKNOWN -> ContainerState.CONTAINER_UNKNOWN;
    };
  }

  static Container listItem(ContainerRecord r) {
    return Container.newBuilder().setId(r.id()).setPodSandboxId(r.podId()).setMetadata(metadata(r))
        .setImage(ImageSpec.newBuilder().setImage(r.imageRef())).setImageRef(r.imageId()).setImageId(r.imageId())
        .setState(state(r)).setCreatedAt(r.createdAt()).putAllLabels(r.spec().labels())
        .putAllAnnotations(r.spec().annotations()).build();
  }

  static ContainerStatus status(ContainerRecord r) {
    ContainerStatus.Builder b = ContainerStatus.newBuilder().setId(r.id()).setMetadata(metadata(r))
        .setState(state(r)).setCreatedAt(r.createdAt()).setStartedAt(r.startedAt()).setFinishedAt(r.finishedAt())
        .setExitCode(r.exitCode()).setImage(ImageSpec.newBuilder().setImage(r.imageRef())).setImageRef(r.imageId())
        .setImageId(r.imageId()).setReason(r.reason()).setMessage(r.message()).putAllLabels(r.spec().labels())
        .putAllAnnotations(r.spec().annotations()).setLogPath(r.logPath());
    if (r.user() != null) {
      b.setUser(ContainerUser.newBuilder().setLinux(LinuxContainerUser.newBuilder().setUid(r.user().uid())
          .setGid(r.user().gid()).addAllSupplementalGroups(r.user().groups())));
    }
    for (ContainerSpec.MountSpec m : r.spec().mounts()) {
      Mount.Builder mb = Mount.newBuilder();
      if (m.isImage()) {
        mb.setImage(ImageSpec.newBuilder().setImage(m.image())).setImageSubPath(m.imageSubPath());
      }
      b.addMounts(mb.setContainerPath(m.containerPath()).setHostPath(m.hostPath())
          .setReadonly(m.readonly()).setPropagation(switch (m.propagation()) {
            case PRIVATE -> MountPropagation.PROPAGATION_PRIVATE;
            case HOST_TO_CONTAINER -> MountPropagation.PROPAGATION_HOST_TO_CONTAINER;
            case BIDIRECTIONAL -> MountPropagation.PROPAGATION_BIDIRECTIONAL;
          }).setRecursiveReadOnly(m.recursiveReadOnly()).addAllMountOptions(m.options()));
    }
    return b.build();
  }

  static ContainerStats stats(ContainerRecord r, CgroupStats c, long[] layer, String mountpoint) {
    long ts = c.atNanos();
    ContainerStats.Builder stats = ContainerStats.newBuilder()
        .setAttributes(ContainerAttributes.newBuilder().setId(r.id()).setMetadata(metadata(r))
            .putAllLabels(r.spec().labels()).putAllAnnotations(r.spec().annotations()))
        .setCpu(PodProtos.cpu(c))
        .setMemory(PodProtos.memory(c))
        .setWritableLayer(FilesystemUsage.newBuilder().setTimestamp(ts)
            .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(mountpoint))
            .setUsedBytes(PodProtos.u64(layer[0])).setInodesUsed(PodProtos.u64(layer[1])));
    if (c.pressure().io() != null) {
      stats.setIo(IoUsage.newBuilder().setTimestamp(ts).setPsi(PodProtos.psi(c.pressure().io())));
    }
    if (c.swapUsageBytes() >= 0) {
      stats.setSwap(SwapUsage.newBuilder().setTimestamp(ts).setSwapUsageBytes(PodProtos.u64(c.swapUsageBytes())));
    }
    return stats.build();
  }
}
