package dev.jcri.server.rpc;

import dev.jcri.common.InvalidArgumentException;
import dev.jcri.cri.v1.RemoveImageRequest;
import dev.jcri.cri.v1.RemoveImageResponse;
import dev.jcri.image.ImageService;

/** RemoveImage: by tag untags (the image goes with its last name), by id or digest removes; absent is success. */
public final class RemoveImageRpc implements UnaryRpc<RemoveImageRequest, RemoveImageResponse> {

  private final ImageService images;

  public RemoveImageRpc(ImageService images) {
    this.images = images;
  }

  @Override
  public RemoveImageResponse call(RemoveImageRequest request) {
    String ref = request.getImage().getImage();
    if (ref.isEmpty()) {
      throw new InvalidArgumentException("RemoveImage needs image.image, a reference or image id");
    }
    images.remove(ref);
    return RemoveImageResponse.getDefaultInstance();
  }
}
