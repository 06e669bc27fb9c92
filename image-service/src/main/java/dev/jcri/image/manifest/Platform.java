package dev.jcri.image.manifest;

import java.util.Locale;

/** An image platform: os, architecture and optional variant, with the node's own for matching. */
public record Platform(String os, String architecture, String variant) {

  public Platform {
    variant = variant == null ? "" : variant;
  }

  /** The platform of this node, in OCI terms. */
  public static Platform node() {
    String arch = switch (System.getProperty("os.arch").toLowerCase(Locale.ROOT)) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "arm" -> "arm";
      case "ppc64le" -> "ppc64le";
      case "s390x" -> "s390x";
      case "riscv64" -> "riscv64";
      default -> System.getProperty("os.arch");
    };
    return new Platform("linux", arch, arch.equals("arm64") ? "v8" : "");
  }

  /** Whether an image built for {@code image} runs here; arm64's variant v8 is also the empty variant. */
  public boolean runs(Platform image) {
    if (!os.equals(image.os) || !architecture.equals(image.architecture)) {
      return false;
    }
    if (image.variant.isEmpty() || image.variant.equals(variant)) {
      return true;
    }
    return architecture.equals("arm64") && image.variant.equals("v8");
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
  }
}
