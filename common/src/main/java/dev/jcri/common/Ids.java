package dev.jcri.common;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;

/** Object ids and CRI timestamps. */
public final class Ids {

  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  /** A new id: 64 random hex digits, as containerd's. */
  public static String newId() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** Now, in nanoseconds since the epoch, as CRI timestamps are. */
  public static long nowNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
