package dev.jcri.image.manifest;

import dev.jcri.image.ref.Digest;
import java.util.List;

/** A content descriptor: what a blob is, its digest and size, and for index entries its platform. */
public record Descriptor(String mediaType, Digest digest, long size, List<String> urls, Platform platform) {

  public Descriptor {
    urls = urls == null ? List.of() : List.copyOf(urls);
  }

  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, List.of(), null);
  }
}
