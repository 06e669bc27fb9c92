package dev.jcri.image.ref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.InvalidArgumentException;
import org.junit.jupiter.api.Test;

class ImageReferenceTest {

  private static final String HEX = "a".repeat(64);

  @Test
  void parse_normalisesAsDockerDoes() {
    assertEquals("docker.io/library/busybox:latest", ImageReference.parse("busybox").toString());
    assertEquals("docker.io/library/busybox:1.36", ImageReference.parse("busybox:1.36").toString());
    assertEquals("docker.io/library/busybox:latest", ImageReference.parse("docker.io/busybox").toString());
    assertEquals("docker.io/library/busybox:latest", ImageReference.parse("index.docker.io/library/busybox").toString());
    assertEquals("docker.io/myorg/app:latest", ImageReference.parse("myorg/app").toString());
    assertEquals("registry.k8s.io/pause:3.9", ImageReference.parse("registry.k8s.io/pause:3.9").toString());
    assertEquals("localhost/app:latest", ImageReference.parse("localhost/app").toString());
  }

  @Test
  void parse_hostWithPort_andDigest() {
    ImageReference r = ImageReference.parse("127.0.0.1:5000/test/app@sha256:" + HEX);
    assertEquals("127.0.0.1:5000", r.domain());
    assertEquals("test/app", r.path());
    assertNull(r.tag());
    assertEquals("sha256:" + HEX, r.manifestReference());
    assertEquals("127.0.0.1:5000/test/app@sha256:" + HEX, r.toString());
  }

  @Test
  void parse_tagAndDigest_keepsBoth_digestWins() {
    ImageReference r = ImageReference.parse("app:1.0@sha256:" + HEX);
    assertEquals("1.0", r.tag());
    assertEquals("sha256:" + HEX, r.manifestReference());
  }

  @Test
  void parse_invalid_namesTheReference() {
    for (String bad : new String[] {"", "library/CASE", "UPPER", "app:bad tag", "app@sha256:short", "a//b", "app:", "-app",
        "app:" + "x".repeat(129)}) {
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> ImageReference.parse(bad), bad);
      assertTrue(e.getMessage().startsWith("invalid image reference"), e.getMessage());
    }
  }

  @Test
  void digest_parse_refusesBadDigests() {
    assertEquals("sha256", Digest.parse("sha256:" + HEX).algorithm());
    assertThrows(InvalidArgumentException.class, () -> Digest.parse("md5:" + HEX));
    assertThrows(InvalidArgumentException.class, () -> Digest.parse("sha256:" + HEX.toUpperCase()));
  }
}
