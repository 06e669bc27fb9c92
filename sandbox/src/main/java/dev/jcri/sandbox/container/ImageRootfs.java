package dev.jcri.sandbox.container;

import dev.jcri.common.Mounts;
import dev.jcri.image.ImageService;
import dev.jcri.image.store.ImageRecord;
import java.nio.file.Path;
import java.util.Optional;

/** Container rootfs snapshots in the image service's overlay snapshotter, keyed {@code ctr-<container id>}. */
final class ImageRootfs implements ContainerImages {

  private static final String KEY_PREFIX = "ctr-";

  private final ImageService images;

  ImageRootfs(ImageService images) {
    this.images = images;
  }

  /** The key of a container's writable snapshot. */
  static String snapshotKey(String containerId) {
    return KEY_PREFIX + containerId;
  }

  /** The container whose writable snapshot {@code key} is, or null when it is not a container's (or none). */
  static String containerIdOf(String key) {
    return key != null && key.startsWith(KEY_PREFIX) ? key.substring(KEY_PREFIX.length()) : null;
  }

  @Override
  public Optional<ImageRecord> image(String reference) {
    return images.status(reference);
  }

  @Override
  public void prepareRootfs(String containerId, String topChainId) {
    images.snapshots().prepare(snapshotKey(containerId), topChainId);
  }

  @Override
  public void mountRootfs(String containerId, Path rootfs, Path usernsPin, long hostRootUid, long hostRootGid) {
    if (usernsPin == null) {
      images.snapshots().mount(snapshotKey(containerId), rootfs);
    } else {
      images.snapshots().mount(snapshotKey(containerId), rootfs, usernsPin, hostRootUid, hostRootGid);
    }
  }

  @Override
  public void unmountRootfs(Path rootfs) {
    Mounts.detach(rootfs);
  }

  @Override
  public void removeRootfs(String containerId) {
    images.snapshots().remove(snapshotKey(containerId));
  }
}
