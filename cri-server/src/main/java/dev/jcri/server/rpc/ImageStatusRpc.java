package dev.jcri.server.rpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Json;
import dev.jcri.cri.v1.ImageStatusRequest;
import dev.jcri.cri.v1.ImageStatusResponse;
import dev.jcri.image.ImageService;
import dev.jcri.image.store.ImageRecord;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * ImageStatus: the image, or no image (not an error) when it is absent. Verbose adds JSON info: the image
 * config, its ChainIDs and the snapshot each names.
 */
public final class ImageStatusRpc implements UnaryRpc<ImageStatusRequest, ImageStatusResponse> {

  private static final ObjectMapper JSON = Json.SNAKE_CASE;

  private final ImageService images;

  public ImageStatusRpc(ImageService images) {
    this.images = images;
  }

  @Override
  public ImageStatusResponse call(ImageStatusRequest request) {
    String ref = request.getImage().getImage();
    if (ref.isEmpty()) {
      throw new InvalidArgumentException("ImageStatus needs image.image, a reference or image id");
    }
    Optional<ImageRecord> found = images.status(ref);
    ImageStatusResponse.Builder b = ImageStatusResponse.newBuilder();
    if (found.isEmpty()) {
      return b.build();
    }
    ImageRecord r = found.get();
    b.setImage(ImageProtos.toProto(r));
    if (request.getVerbose()) {
      ObjectNode info = JSON.createObjectNode();
      info.put("id", r.id());
      info.set("chain_ids", JSON.valueToTree(r.chainIds()));
      ObjectNode snapshots = info.putObject("snapshots");
      for (String chain : r.chainIds()) {
        images.snapshots().committed(chain).ifPresent(s -> snapshots.put(chain, images.snapshots().fs(s.id()).toString()));
      }
      info.set("manifest_digests", JSON.valueToTree(r.manifestDigests()));
      info.set("config", JSON.valueToTree(r.config()));
      info.put("pulled", r.pulled().toString());
      try {
        b.putInfo("info", JSON.writeValueAsString(info));
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
    }
    return b.build();
  }
}
