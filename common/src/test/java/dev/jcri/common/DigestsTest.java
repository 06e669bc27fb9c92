package dev.jcri.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DigestsTest {

  @Test
  void openSslIsUsedOnThisNode() {
    assertTrue(Digests.isNative(), "libcrypto (libssl3) is on every build host");
    assertEquals("SHA-256", Digests.of("SHA-256").getAlgorithm());
  }

  /** The same digests as the JDK's, over sizes around block and chunk edges, fed in odd pieces. */
  @Test
  void agreesWithTheJdk() throws Exception {
    Random random = new Random(42);
    for (String algorithm : new String[] {"SHA-256", "SHA-512"}) {
      MessageDigest ours = Digests.of(algorithm);
      for (int size : new int[] {0, 1, 55, 63, 64, 65, 127, 128, 65535, 65536, 65537, 3 << 20}) {
        byte[] data = new byte[size];
        random.nextBytes(data);
        MessageDigest jdk = MessageDigest.getInstance(algorithm);
        int off = 0;
        while (off < size) {
          int n = Math.min(size - off, 1 + random.nextInt(100_000));
          ours.update(data, off, n);
          jdk.update(data, off, n);
          off += n;
        }
        assertArrayEquals(jdk.digest(), ours.digest(), algorithm + " of " + size + " bytes");
      }
      ours.update((byte) 7);
      ours.reset();
      assertArrayEquals(MessageDigest.getInstance(algorithm).digest(new byte[] {1, 2}), ours.digest(new byte[] {1, 2}),
          "reset forgets what came before");
    }
    assertArrayEquals(MessageDigest.getInstance("SHA-1").digest(new byte[3]), Digests.of("SHA-1").digest(new byte[3]));
  }
}
