package dev.jcri.server.rpc;

import dev.jcri.common.InvalidArgumentException;
import dev.jcri.cri.v1.AuthConfig;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.PullImageResponse;
import dev.jcri.image.ImageService;
import dev.jcri.image.registry.Credentials;

/** PullImage: fetches the image with the request's credentials and returns its id. */
public final class PullImageRpc implements UnaryRpc<PullImageRequest, PullImageResponse> {

  private final ImageService images;

  public PullImageRpc(ImageService images) {
    this.images = images;
  }

  @Override
  public PullImageResponse call(PullImageRequest request) {
    String ref = request.getImage().getImage();
    if (ref.isEmpty()) {
      throw new InvalidArgumentException("PullImage needs image.image, the reference to pull");
    }
    AuthConfig a = request.getAuth();
    Credentials creds = Credentials.of(a.getUsername(), a.getPassword(), a.getAuth(), a.getIdentityToken(),
        a.getRegistryToken());
    return PullImageResponse.newBuilder().setImageRef(images.pull(ref, creds).id()).build();
  }
}
