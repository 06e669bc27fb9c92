package dev.jcri.server.rpc;

import dev.jcri.cri.v1.Int64Value;
import dev.jcri.cri.v1.Image;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.image.store.ImageRecord;

/** Turns image records into the CRI's Image message. */
final class ImageProtos {

  private ImageProtos() {}

  static Image toProto(ImageRecord r) {
    Image.Builder b = Image.newBuilder()
        .setId(r.id())
        .addAllRepoTags(r.repoTags())
        .addAllRepoDigests(r.repoDigests())
        .setSize(r.size())
        .setSpec(ImageSpec.newBuilder().setImage(r.id()))
        .setPinned(r.pinned());
    // The image's USER: a numeric uid becomes uid, anything else username (the group part is dropped).
    String user = r.config().user();
    if (!user.isEmpty()) {
      String name = user.split(":", 2)[0];
      if (name.matches("[0-9]+")) {
        b.setUid(Int64Value.newBuilder().setValue(Long.parseLong(name)));
      } else {
        b.setUsername(name);
      }
    }
    return b.build();
  }
}
