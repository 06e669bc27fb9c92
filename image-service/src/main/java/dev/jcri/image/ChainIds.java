package dev.jcri.image;

import dev.jcri.image.ref.Digest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/** ChainIDs as the OCI image spec defines them: the first layer's DiffID, then sha256(parent + " " + diffID). */
public final class ChainIds {

  private ChainIds() {}

  public static List<String> of(List<Digest> diffIds) {
    List<String> out = new ArrayList<>();
    String chain = null;
    for (Digest diffId : diffIds) {
      chain = chain == null ? diffId.toString() : sha256(chain + " " + diffId);
      out.add(chain);
    }
    return out;
  }

  private static String sha256(String s) {
    try {
      return Digest.sha256(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8))).toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
