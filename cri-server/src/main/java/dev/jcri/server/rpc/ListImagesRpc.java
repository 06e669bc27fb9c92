package dev.jcri.server.rpc;

import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.ListImagesResponse;
import dev.jcri.image.ImageService;
import dev.jcri.image.store.ImageRecord;
import java.util.List;

/** ListImages: every image, or only the one the filter's image reference names. */
public final class ListImagesRpc implements UnaryRpc<ListImagesRequest, ListImagesResponse> {

  private final ImageService images;

  public ListImagesRpc(ImageService images) {
    this.images = images;
  }

  @Override
  public ListImagesResponse call(ListImagesRequest request) {
    String filter = request.getFilter().getImage().getImage();
    List<ImageRecord> records = filter.isEmpty() ? images.list() : images.status(filter).stream().toList();
    ListImagesResponse.Builder b = ListImagesResponse.newBuilder();
    records.forEach(r -> b.addImages(ImageProtos.toProto(r)));
    return b.build();
  }
}
