package dev.jcri.image.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs against the real kernel: needs root and overlayfs. */
class OverlayProbeTest {

  @TempDir Path dir;

  @Test
  void problem_onThisHost_isNone_andNothingIsLeft() throws IOException {
    assertNull(OverlayProbe.problem(dir));
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(0, left.count());
    }
    assertEquals(0, Files.readAllLines(Path.of("/proc/self/mounts")).stream()
        .filter(l -> l.contains(dir.toString())).count());
  }
}
