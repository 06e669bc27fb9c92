package dev.jcri.image.manifest;

import java.util.List;

/** What a manifest request returns: an image manifest, or an index of them by platform. */
public sealed interface Manifest {

  /** A single image: its config blob and its layers, base first. */
  record Image(Descriptor config, List<Descriptor> layers) implements Manifest {
    public Image {
      layers = List.copyOf(layers);
    }
  }

  /** A manifest list (Docker) or image index (OCI). */
  record Index(List<Descriptor> manifests) implements Manifest {
    public Index {
      manifests = List.copyOf(manifests);
    }
  }
}
