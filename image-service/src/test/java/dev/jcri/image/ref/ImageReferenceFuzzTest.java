package dev.jcri.image.ref;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jcri.common.InvalidArgumentException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Any text either parses to a reference that prints back to itself, or is refused as invalid; nothing else. */
class ImageReferenceFuzzTest {

  @Provide
  Arbitrary<String> referenceLike() {
    Arbitrary<String> part = Arbitraries.of("docker.io", "localhost:5000", "127.0.0.1:5055", "a", "b-c", "x.y",
        "library", "busybox", "..", "", "UPPER", "a_b", "a__b", "@", ":", "/", "sha256:", "latest", "1.29-2",
        "sha256:" + "a".repeat(64), ":tag", "@sha256:" + "0".repeat(64), "\0", " ", "é");
    return part.list().ofMinSize(1).ofMaxSize(8).map(l -> String.join("", l));
  }

  @Property
  void referenceLikeText(@ForAll("referenceLike") String text) {
    check(text);
  }

  @Property
  void anyText(@ForAll String text) {
    check(text);
  }

  private static void check(String text) {
    ImageReference ref;
    try {
      ref = ImageReference.parse(text);
    } catch (InvalidArgumentException refused) {
      return;
    }
    assertEquals(ref, ImageReference.parse(ref.toString()), "printed form parses back: " + text);
  }
}
