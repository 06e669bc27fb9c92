package dev.jcri.sandbox.container;

import dev.jcri.image.store.ImageRecord;
import java.nio.file.Path;
import java.util.Optional;

/** Images as containers use them: the image a container names, and the writable snapshot that is its rootfs. */
interface ContainerImages {

  Optional<ImageRecord> image(String reference);

  /** Prepares the container's writable snapshot on top of the image's layers ({@code topChainId}). */
  void prepareRootfs(String containerId, String topChainId);

  /**
   * Mounts the container's snapshot at {@code rootfs}; in a pod with its own user namespace ({@code usernsPin}
   * not null), its layers are idmapped so the pod's root owns them.
   */
  void mountRootfs(String containerId, Path rootfs, Path usernsPin, long hostRootUid, long hostRootGid);

  /** Unmounts {@code rootfs}; nothing mounted there is fine. */
  void unmountRootfs(Path rootfs);

  /** Removes the container's writable snapshot; a missing one is fine. */
  void removeRootfs(String containerId);

  /**
   * Mounts the file system of the image whose top layer is {@code topChainId} at {@code target}, as the
   * container's image volume number {@code index} (idmapped like the rootfs in a user-namespaced pod). The
   * container sees it read-only; its layers stay while it is mounted, whatever happens to the image's record.
   */
  void mountImageVolume(String containerId, int index, String topChainId, Path target, Path usernsPin,
      long hostRootUid, long hostRootGid);

  /** The directory of the container's writable layer (its overlay upper directory), if it has one. */
  Optional<Path> writableLayer(String containerId);

  /** Removes what the container's image volumes hold (unmounted first); none is fine. */
  void removeImageVolumes(String containerId);
}
