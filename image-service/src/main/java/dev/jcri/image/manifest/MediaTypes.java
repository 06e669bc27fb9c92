package dev.jcri.image.manifest;

import java.util.Set;

/** The media types of the Docker and OCI image formats that jcri reads. */
public final class MediaTypes {

  public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
  public static final String DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  public static final String DOCKER_FOREIGN_LAYER_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
  public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
  public static final String OCI_NONDIST_LAYER = "application/vnd.oci.image.layer.nondistributable.v1.tar";
  public static final String OCI_NONDIST_LAYER_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
  public static final String OCI_NONDIST_LAYER_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

  /** What the manifest request accepts, in the order registries should prefer. */
  public static final String ACCEPT_MANIFESTS = String.join(", ", OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST,
      DOCKER_MANIFEST);

  public static final Set<String> LAYERS = Set.of(DOCKER_LAYER_GZIP, DOCKER_FOREIGN_LAYER_GZIP, OCI_LAYER,
      OCI_LAYER_GZIP, OCI_LAYER_ZSTD, OCI_NONDIST_LAYER, OCI_NONDIST_LAYER_GZIP, OCI_NONDIST_LAYER_ZSTD);

  /** Layers that registries may not serve; their descriptor's URLs are tried first, as containerd does. */
  public static final Set<String> FOREIGN_LAYERS = Set.of(DOCKER_FOREIGN_LAYER_GZIP, OCI_NONDIST_LAYER,
      OCI_NONDIST_LAYER_GZIP, OCI_NONDIST_LAYER_ZSTD);

  private static final Set<String> NAMED = Set.of(DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_SCHEMA1,
      DOCKER_SCHEMA1_SIGNED, DOCKER_CONFIG, OCI_MANIFEST, OCI_INDEX, OCI_CONFIG, "application/json", "");

  /**
   * A media type as an error may name it: a registry's own string only when it is one jcri knows, else "an
   * unknown media type". Errors reach kubelet's pod events; what a registry writes does not.
   */
  public static String describe(String type) {
    if (type == null || type.isEmpty()) {
      return "no media type";
    }
    return NAMED.contains(type) || LAYERS.contains(type) ? "media type \"" + type + "\"" : "an unknown media type";
  }

  private MediaTypes() {}
}
