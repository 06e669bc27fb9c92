package dev.jcri.image.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.JcriException;
import dev.jcri.image.testing.TestImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;

/**
 * Layers built from hostile entries (dot-dot names, absolute and escaping link targets, whiteouts, entries
 * written through links), and valid layers with random bytes flipped: unpacking either works or fails with
 * an I/O or jcri error, and never writes outside its directory.
 */
class LayerUnpackerFuzzTest {

  enum Kind { FILE, DIR, SYMLINK, HARDLINK, WHITEOUT, OPAQUE }

  record Entry(Kind kind, String name, String target) {}

  private static final String PASSWD = read(Path.of("/etc/passwd"));
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

  @AfterTry
  void clean() throws IOException {
    delete(sandbox);
  }

  @Provide
  Arbitrary<String> names() {
    Arbitrary<String> segment = Arbitraries.of("a", "b", "etc", "..", ".", "", "outside", "link", "passwd",
        ".wh.a", "x y", "ä");
    return segment.list().ofMinSize(1).ofMaxSize(5).map(s -> String.join("/", s))
        .map(n -> Math.random() < 0.1 ? "/" + n : n);
  }

  @Provide
  Arbitrary<List<Entry>> layers() {
    Arbitrary<Entry> entry = Combinators.combine(Arbitraries.of(Kind.class), names(),
        Arbitraries.oneOf(names(), Arbitraries.of("../outside", "../../outside/owned", "../outside/owned",
            sandbox.resolve("outside").toString(), sandbox.resolve("outside/owned").toString())))
        .as(Entry::new);
    return entry.list().ofMinSize(1).ofMaxSize(12);
  }

  @Property
  void hostileEntries_neverWriteOutside(@ForAll("layers") List<Entry> entries) throws Exception {
    byte[] blob;
    try {
      blob = build(entries);
    } catch (java.io.UncheckedIOException unwritable) {
      net.jqwik.api.Assume.that(false);
      return;
    }
    unpackAndCheck(blob);
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

  @Property
  void flippedBytes_failCleanly(@ForAll("flips") List<Integer> positions) throws Exception {
    byte[] blob = new TestImage().layer(TestImage.Compression.NONE, t -> {
      t.dir("etc", 0755);
      t.file("etc/hosts", "127.0.0.1 localhost\n", 0644);
      t.symlink("etc/link", "hosts");
      t.hardlink("etc/hard", "etc/hosts");
      t.file("data/big", new byte[3000], 0600);
    }).build().layers().getFirst().blob();
    for (int p : positions) {
      int at = Math.floorMod(p, blob.length);
      blob[at] = (byte) (blob[at] ^ (1 + Math.floorMod(p >> 8, 255)));
    }
    unpackAndCheck(blob);
  }

  @Provide
  Arbitrary<List<Integer>> flips() {
    return Arbitraries.integers().list().ofMinSize(1).ofMaxSize(8);
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
      new LayerUnpacker(1L << 20).unpack(file, target, "fuzz");
    } catch (IOException | JcriException expected) {
      // refusing is fine; what matters is what it wrote
    }
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
