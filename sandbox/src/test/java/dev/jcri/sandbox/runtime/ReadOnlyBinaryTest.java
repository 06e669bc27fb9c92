package dev.jcri.sandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.Libc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs as root, as the build does: real bind mounts in a scratch directory, all removed afterwards. */
class ReadOnlyBinaryTest {

  private Path dir;
  private Path binary;
  private Path mountPoint;

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory("jcri-robin");
    binary = script(dir.resolve("runtime"), "one");
    mountPoint = dir.resolve("state/runtimes/crun");
  }

  @AfterEach
  void tearDown() throws IOException {
    for (int i = 0; i < 20; i++) {
      try {
        Libc.INSTANCE.umount2(mountPoint.toString(), Libc.MNT_DETACH);
      } catch (RuntimeException notMounted) {
        break;
      }
    }
    new ProcessBuilder("rm", "-rf", dir.toString()).start();
  }

  private static Path script(Path p, String word) throws IOException {
    Path tmp = p.resolveSibling(p.getFileName() + ".new");
    Files.writeString(tmp, "#!/bin/sh\necho " + word + "\n");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    return Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String run(Path p) throws Exception {
    Process proc = new ProcessBuilder(p.toString()).start();
    String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    proc.waitFor();
    return out;
  }

  private boolean mounted() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
        .anyMatch(l -> l.split(" ")[1].equals(mountPoint.toString()));
  }

  @Test
  void binary_runsFromReadOnlyMount_thatRefusesWrites() throws Exception {
    try (ReadOnlyBinary b = ReadOnlyBinary.bind(binary, mountPoint)) {
      assertTrue(b.isBound());
      assertEquals(mountPoint, b.path());
      assertEquals("one", run(b.path()));
      IOException e = assertThrows(IOException.class,
          () -> Files.writeString(b.path(), "overwritten", StandardOpenOption.WRITE));
      assertTrue(e.getMessage().contains("Read-only"), e.getMessage());
      assertEquals("one", run(binary), "the binary itself is untouched");
    }
    assertFalse(mounted(), "close removes the mount");
    assertFalse(Files.exists(mountPoint));
  }

  @Test
  void binaryReplacedOnDisk_isBoundAgain() throws Exception {
    try (ReadOnlyBinary b = ReadOnlyBinary.bind(binary, mountPoint)) {
      assertEquals("one", run(b.path()));
      script(binary, "two");
      assertEquals("two", run(b.path()), "an upgrade renamed over the path is what runs next");
      assertEquals(1, Files.readAllLines(Path.of("/proc/self/mounts")).stream()
          .filter(l -> l.split(" ")[1].equals(mountPoint.toString())).count(), "the old mount is gone");
    }
  }

  @Test
  void mountsLeftByACrash_areReplaced() throws Exception {
    Files.createDirectories(mountPoint.getParent());
    Files.createFile(mountPoint);
    Path old = script(dir.resolve("old"), "old");
    for (int i = 0; i < 2; i++) {
      Libc.INSTANCE.mount(old.toString(), mountPoint.toString(), null, Libc.MS_BIND, null);
    }
    try (ReadOnlyBinary b = ReadOnlyBinary.bind(binary, mountPoint)) {
      assertEquals("one", run(b.path()));
    }
    assertFalse(mounted());
  }

  @Test
  void missingBinary_isUsedAsConfigured() {
    Path none = dir.resolve("no-such-runtime");
    try (ReadOnlyBinary b = ReadOnlyBinary.bind(none, mountPoint)) {
      assertFalse(b.isBound());
      assertEquals(none, b.path());
    }
  }
}
