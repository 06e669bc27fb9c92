package dev.jcri.server.rpc;

import dev.jcri.cri.v1.UInt64Value;
import dev.jcri.cri.v1.FilesystemIdentifier;
import dev.jcri.cri.v1.FilesystemUsage;
import dev.jcri.cri.v1.ImageFsInfoRequest;
import dev.jcri.cri.v1.ImageFsInfoResponse;
import dev.jcri.image.ImageService;

/**
 * ImageFsInfo: bytes and inodes used by image layers and container writable layers, which share the
 * snapshot directory (as with containerd's overlay snapshotter).
 */
public final class ImageFsInfoRpc implements UnaryRpc<ImageFsInfoRequest, ImageFsInfoResponse> {

  private final ImageService images;

  public ImageFsInfoRpc(ImageService images) {
    this.images = images;
  }

  @Override
  public ImageFsInfoResponse call(ImageFsInfoRequest request) {
    // On an event loop (CallExecutors sends it there while the figure is current) it never waits for a walk: a
    // change that came between that choice and here leaves it the figure from before the change.
    ImageService.Usage u = Thread.currentThread().isVirtual() ? images.usage() : images.usageWithoutWaiting();
    FilesystemUsage usage = FilesystemUsage.newBuilder()
        .setTimestamp(u.at().getEpochSecond() * 1_000_000_000L + u.at().getNano())
        .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(u.mountpoint().toString()))
        .setUsedBytes(UInt64Value.newBuilder().setValue(u.bytes()))
        .setInodesUsed(UInt64Value.newBuilder().setValue(u.inodes()))
        .build();
    return ImageFsInfoResponse.newBuilder().addImageFilesystems(usage).addContainerFilesystems(usage).build();
  }
}
