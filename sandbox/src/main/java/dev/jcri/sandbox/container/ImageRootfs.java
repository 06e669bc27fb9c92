package dev.jcri.sandbox.container;

import dev.jcri.common.Mounts;
import dev.jcri.image.ImageService;
import dev.jcri.image.store.ImageRecord;
import java.nio.file.Path;
import java.util.Optional;

/** Container rootfs snapshots in the image service's overlay snapshotter, keyed {@code ctr-<container id>}. */
final class ImageRootfs implements ContainerImages {

  private static final String KEY_PREFIX = "ctr-";
  private static final String VOLUME_PREFIX = "ivol-";

  private final ImageService images;

  ImageRootfs(ImageService images) {
    this.images = images;
  }

  /** The key of a container's writable snapshot. */
  static String snapshotKey(String containerId) {
    return KEY_PREFIX + containerId;
  }

  /** The key of a container's image volume. */
  static String volumeKey(String containerId, int index) {
    return VOLUME_PREFIX + containerId + "-" + index;
  }

  /**
   * The container whose writable snapshot or image volume {@code key} is, or null when it is not a container's
   * (or none).
   */
  static String containerIdOf(String key) {
    if (key == null) {
      return null;
    }
    if (key.startsWith(KEY_PREFIX)) {
      return key.substring(KEY_PREFIX.length());
    }
    if (key.startsWith(VOLUME_PREFIX) && key.lastIndexOf('-') > VOLUME_PREFIX.length()) {
      return key.substring(VOLUME_PREFIX.length(), key.lastIndexOf('-'));
    }
    return null;
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

  @Override
  public void mountImageVolume(String containerId, int index, String topChainId, Path target, Path usernsPin,
      long hostRootUid, long hostRootGid) {
    String key = volumeKey(containerId, index);
    images.snapshots().prepare(key, topChainId);
    try {
      images.snapshots().mount(key, target, usernsPin, hostRootUid, hostRootGid);
    } catch (RuntimeException e) {
      try {
        images.snapshots().remove(key);
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  @Override
  public Optional<Path> writableLayer(String containerId) {
    return images.snapshots().activeSnapshot(snapshotKey(containerId)).map(s -> images.snapshots().fs(s.id()));
  }

  @Override
  public void removeImageVolumes(String containerId) {
    String prefix = VOLUME_PREFIX + containerId + "-";
    for (var s : images.snapshots().list()) {
      if (s.key() != null && s.key().startsWith(prefix)) {
        images.snapshots().remove(s.key());
      }
    }
  }
}
