package dev.jcri.image.ref;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.image.testing.FuzzInput;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Any text either parses to a reference that prints back to itself, or is refused as invalid; nothing else. */
class ImageReferenceFuzzTest {

  static final List<String> PARTS = List.of("docker.io", "localhost:5000", "127.0.0.1:5055", "a", "b-c", "x.y",
      "library", "busybox", "..", "", "UPPER", "a_b", "a__b", "@", ":", "/", "sha256:", "latest", "1.29-2",
      "sha256:" + "a".repeat(64), ":tag", "@sha256:" + "0".repeat(64), "\0", " ", "é");

  /** Reference-like text (pieces of real references) or any text at all. */
  static void target(FuzzInput in) {
    check(in.bool() ? FuzzInput.joined(in, PARTS, 8) : in.text(300));
  }

  @FuzzTest(maxDuration = "2m")
  void fuzz(FuzzedDataProvider data) {
    target(FuzzInput.of(data));
  }

  @Test
  void randomInputs() {
    FuzzInput.runRandom(2000, 11, ImageReferenceFuzzTest::target);
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
