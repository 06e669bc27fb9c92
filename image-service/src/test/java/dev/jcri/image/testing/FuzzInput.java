package dev.jcri.image.testing;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * What a fuzz target draws its input from: Jazzer's data (coverage-guided, in `make fuzz`) or a seeded random
 * generator (every build, so that each target's property is checked on many inputs in CI too). A target is
 * written once against this, and run both ways.
 */
public interface FuzzInput {

  int intIn(int min, int max);

  boolean bool();

  byte[] bytes(int maxLength);

  /** Any text, up to {@code maxLength} characters (control characters, surrogates and all). */
  String text(int maxLength);

  default <T> T pick(List<T> values) {
    return values.get(intIn(0, values.size() - 1));
  }

  /** Jazzer's input. */
  static FuzzInput of(FuzzedDataProvider d) {
    return new FuzzInput() {
      @Override
      public int intIn(int min, int max) {
        return d.consumeInt(min, max);
      }

      @Override
      public boolean bool() {
        return d.consumeBoolean();
      }

      @Override
      public byte[] bytes(int maxLength) {
        return d.consumeBytes(maxLength);
      }

      @Override
      public String text(int maxLength) {
        return d.consumeString(maxLength);
      }
    };
  }

  /** A seeded random input: the same seed gives the same input. */
  static FuzzInput random(long seed) {
    Random r = new Random(seed);
    return new FuzzInput() {
      @Override
      public int intIn(int min, int max) {
        return min + (int) Math.floorMod(r.nextLong(), (long) max - min + 1);
      }

      @Override
      public boolean bool() {
        return r.nextBoolean();
      }

      @Override
      public byte[] bytes(int maxLength) {
        byte[] b = new byte[r.nextInt(maxLength + 1)];
        r.nextBytes(b);
        return b;
      }

      @Override
      public String text(int maxLength) {
        int n = r.nextInt(maxLength + 1);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
          sb.append(switch (r.nextInt(4)) {
            case 0 -> (char) r.nextInt(0x20);
            case 1 -> (char) (0x20 + r.nextInt(0x5f));
            case 2 -> (char) r.nextInt(0x10000);
            default -> "/.:@\"'\\[]{}=\n".charAt(r.nextInt(13));
          });
        }
        return sb.toString();
      }
    };
  }

  /**
   * Runs {@code target} on {@code tries} random inputs; a failure names the seed that reproduces it
   * ({@code FuzzInput.random(seed)}).
   */
  static void runRandom(int tries, long seed, Target target) {
    for (int i = 0; i < tries; i++) {
      long s = seed * 1_000_003L + i;
      try {
        target.run(random(s));
      } catch (Exception | AssertionError e) {
        throw new AssertionError("fuzz input from seed " + s + " failed: " + e, e);
      }
    }
  }

  /** A fuzz target: checks its property on one input. */
  @FunctionalInterface
  interface Target {
    void run(FuzzInput in) throws Exception;
  }

  /** Text made of the given pieces, for targets whose inputs are mostly near-valid. */
  static String joined(FuzzInput in, List<String> pieces, int maxPieces) {
    int n = in.intIn(1, maxPieces);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(in.bool() ? in.pick(pieces) : in.text(4));
    }
    return sb.toString();
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
