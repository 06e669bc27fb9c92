package dev.jcri.image.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jcri.common.JcriException;
import dev.jcri.image.testing.FuzzInput;
import dev.jcri.image.testing.TestImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Layers built from hostile entries (dot-dot names, absolute and escaping link targets, whiteouts, entries
 * written through links), layers with random bytes flipped, and sparse entries: unpacking either works or
 * fails with an I/O or jcri error, never writes outside its directory, and never writes more than its bound.
 */
class LayerUnpackerFuzzTest {

  enum Kind { FILE, DIR, SYMLINK, HARDLINK, WHITEOUT, OPAQUE }

  record Entry(Kind kind, String name, String target) {}

  private static final String PASSWD = read(Path.of("/etc/passwd"));
  static final List<String> SEGMENTS = List.of("a", "b", "etc", "..", ".", "", "outside", "link", "passwd",
      ".wh.a", "x y", "ä");
  /** The bound each fuzzed layer is unpacked with. */
  static final long LIMIT = 1L << 20;
  private final Path sandbox;

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  LayerUnpackerFuzzTest() throws IOException {
    sandbox = Files.createTempDirectory("jcri-unpack-fuzz");
  }

  @AfterEach
  void clean() throws IOException {
    delete(sandbox);
  }

  String name(FuzzInput in) {
    int n = in.intIn(1, 5);
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      parts.add(in.pick(SEGMENTS));
    }
    String name = String.join("/", parts);
    return in.intIn(0, 9) == 0 ? "/" + name : name;
  }

  String linkTarget(FuzzInput in) {
    return in.bool() ? name(in) : in.pick(List.of("../outside", "../../outside/owned", "../outside/owned",
        sandbox.resolve("outside").toString(), sandbox.resolve("outside/owned").toString()));
  }

  /** One of: a layer of hostile entries, a valid layer with bytes flipped, a sparse file of any size. */
  void target(FuzzInput in) throws IOException {
    switch (in.intIn(0, 2)) {
      case 0 -> {
        int n = in.intIn(1, 12);
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          entries.add(new Entry(in.pick(List.of(Kind.values())), name(in), linkTarget(in)));
        }
        byte[] blob;
        try {
          blob = build(entries);
        } catch (java.io.UncheckedIOException unwritable) {
          return; // the tar writer itself refuses some names
        }
        unpackAndCheck(blob);
      }
      case 1 -> {
        byte[] blob = new TestImage().layer(TestImage.Compression.NONE, t -> {
          t.dir("etc", 0755);
          t.file("etc/hosts", "127.0.0.1 localhost\n", 0644);
          t.symlink("etc/link", "hosts");
          t.hardlink("etc/hard", "etc/hosts");
          t.file("data/big", new byte[3000], 0600);
        }).build().layers().getFirst().blob();
        int flips = in.intIn(1, 8);
        for (int i = 0; i < flips; i++) {
          int at = in.intIn(0, blob.length - 1);
          blob[at] = (byte) (blob[at] ^ in.intIn(1, 255));
        }
        unpackAndCheck(blob);
      }
      default -> unpackAndCheck(TestImage.sparseTar("sparse", in.intIn(1, Integer.MAX_VALUE),
          in.bytes(600)));
    }
  }

  @FuzzTest(maxDuration = "2m")
  void fuzz(FuzzedDataProvider data) throws IOException {
    target(FuzzInput.of(data));
  }

  @Test
  void randomInputs() throws IOException {
    FuzzInput.runRandom(300, 17, in -> {
      target(in);
      clean();
    });
  }

  private static byte[] build(List<Entry> entries) {
    return new TestImage().layer(TestImage.Compression.NONE, t -> {
      for (Entry e : entries) {
        switch (e.kind()) {
          case FILE -> t.file(e.name(), "data", 0644);
          case DIR -> t.dir(e.name(), 0755);
          case SYMLINK -> t.symlink(e.name(), e.target());
          case HARDLINK -> t.hardlink(e.name(), e.target());
          case WHITEOUT -> t.file(e.name() + "/.wh.victim", "", 0644);
          case OPAQUE -> t.file(e.name() + "/.wh..wh..opq", "", 0644);
        }
      }
    }).build().layers().getFirst().blob();
  }

  private void unpackAndCheck(byte[] blob) throws IOException {
    Path outside = Files.createDirectories(sandbox.resolve("outside"));
    Files.writeString(outside.resolve("owned"), "mine");
    Files.setPosixFilePermissions(outside, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
    Files.setPosixFilePermissions(outside.resolve("owned"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Path target = Files.createDirectories(sandbox.resolve("layer"));
    Path file = sandbox.resolve("blob");
    Files.write(file, blob);
    try {
      new LayerUnpacker(LIMIT).unpack(file, target, "fuzz");
    } catch (IOException | JcriException expected) {
      // refusing is fine; what matters is what it wrote
    }
    long written = 0;
    try (Stream<Path> all = Files.walk(target)) {
      for (Path p : all.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList()) {
        written += Files.size(p);
      }
    }
    assertTrue(written <= LIMIT, "the layer's files take " + written + " bytes, more than its bound " + LIMIT);
    try (Stream<Path> all = Files.walk(sandbox)) {
      for (Path p : all.toList()) {
        assertTrue(p.equals(sandbox) || p.startsWith(target) || p.equals(file) || p.equals(outside)
            || p.equals(outside.resolve("owned")), "written outside the layer: " + p);
      }
    }
    assertEquals("mine", Files.readString(outside.resolve("owned")), "a file outside was changed");
    assertEquals("rwxr-x---", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(outside, LinkOption.NOFOLLOW_LINKS)), "a directory outside was chmod'ed");
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(outside.resolve("owned"), LinkOption.NOFOLLOW_LINKS)),
        "a file outside was chmod'ed");
    assertEquals(0, Files.getAttribute(outside.resolve("owned"), "unix:uid", LinkOption.NOFOLLOW_LINKS),
        "a file outside was chown'ed");
    assertTrue(Files.isRegularFile(outside.resolve("owned"), LinkOption.NOFOLLOW_LINKS));
    assertEquals(PASSWD, Files.readString(Path.of("/etc/passwd")), "the host's /etc/passwd was changed");
    delete(target);
  }

  private static void delete(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    }
  }
}
