package dev.jcri.image.store;

import dev.jcri.image.manifest.ImageConfig;
import java.time.Instant;
import java.util.List;

/**
 * One stored image. Its id is the digest of its config, as in Docker and containerd.
 *
 * @param repoTags {@code repository:tag} names pointing at it
 * @param repoDigests {@code repository@digest} names (the manifest or index digest pulled)
 * @param size bytes of its config and layer blobs
 * @param manifestDigests the manifest (and index) blobs it came from
 * @param layerDigests its layer blobs, base first
 * @param chainIds the ChainID of each layer, base first; the last names the image's top snapshot
 * @param config the parsed image config
 */
public record ImageRecord(
    int version,
    String id,
    List<String> repoTags,
    List<String> repoDigests,
    long size,
    List<String> manifestDigests,
    List<String> layerDigests,
    List<String> chainIds,
    ImageConfig config,
    boolean pinned,
    Instant pulled) {

  public static final int VERSION = 1;

  public ImageRecord {
    repoTags = List.copyOf(repoTags);
    repoDigests = List.copyOf(repoDigests);
    manifestDigests = List.copyOf(manifestDigests);
    layerDigests = List.copyOf(layerDigests);
    chainIds = List.copyOf(chainIds);
  }

  public ImageRecord withNames(List<String> tags, List<String> digests) {
    return new ImageRecord(version, id, tags, digests, size, manifestDigests, layerDigests, chainIds, config, pinned,
        pulled);
  }

  public ImageRecord withPinned(boolean pin) {
    return new ImageRecord(version, id, repoTags, repoDigests, size, manifestDigests, layerDigests, chainIds, config,
        pin, pulled);
  }

  /** The committed snapshot a container's root filesystem goes on top of. */
  public String topChainId() {
    return chainIds.isEmpty() ? null : chainIds.getLast();
  }
}
