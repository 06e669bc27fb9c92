package dev.jcri.image.ref;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.jcri.common.InvalidArgumentException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A content digest such as {@code sha256:<64 hex>}; only sha256 and sha512 are accepted. */
public record Digest(String algorithm, String hex) {

  private static final Pattern SHA256 = Pattern.compile("[a-f0-9]{64}");
  private static final Pattern SHA512 = Pattern.compile("[a-f0-9]{128}");

  public Digest {
    boolean ok = switch (algorithm) {
      case "sha256" -> SHA256.matcher(hex).matches();
      case "sha512" -> SHA512.matcher(hex).matches();
      default -> false;
    };
    if (!ok) {
      throw new InvalidArgumentException("invalid digest \"" + algorithm + ":" + hex
          + "\": expected sha256:<64 lowercase hex> or sha512:<128 lowercase hex>");
    }
  }

  @JsonCreator
  public static Digest parse(String text) {
    int colon = text.indexOf(':');
    if (colon < 0) {
      throw new InvalidArgumentException("invalid digest \"" + text + "\": expected <algorithm>:<hex>");
    }
    return new Digest(text.substring(0, colon), text.substring(colon + 1));
  }

  public static Digest sha256(byte[] sum) {
    return new Digest("sha256", HexFormat.of().formatHex(sum));
  }

  /** Whether {@code text} looks like a full digest (it may still fail {@link #parse}). */
  public static boolean looksLikeDigest(String text) {
    return text.startsWith("sha256:") || text.startsWith("sha512:");
  }

  /** The JCA name of the algorithm. */
  public String jcaName() {
    return algorithm.equals("sha256") ? "SHA-256" : "SHA-512";
  }

  @JsonValue
  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }
}
