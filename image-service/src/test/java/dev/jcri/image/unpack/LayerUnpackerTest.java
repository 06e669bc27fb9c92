package dev.jcri.image.unpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.InvalidArgumentException;
import dev.jcri.common.Libc;
import dev.jcri.image.ref.Digest;
import dev.jcri.image.testing.TestImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real tar layers unpacked onto the real filesystem (needs root for owners, devices and trusted xattrs). */
class LayerUnpackerTest {

  @TempDir Path tmp;

  private Path unpack(TestImage.Compression c, Consumer<TestImage.Tar> writer) throws IOException {
    TestImage.Layer layer = new TestImage().layer(c, writer).build().layers().getFirst();
    Path blob = tmp.resolve("blob-" + System.nanoTime());
    Files.write(blob, layer.blob());
    Path dir = Files.createDirectories(tmp.resolve("layer-" + System.nanoTime()));
    Digest diffId = new LayerUnpacker(1L << 30).unpack(blob, dir, "test");
    assertEquals(layer.diffId(), diffId.toString(), "the DiffID is the digest of the uncompressed tar");
    return dir;
  }

  @Test
  void unpack_keepsModesOwnersLinksXattrs() throws IOException {
    Path d = unpack(TestImage.Compression.GZIP, t -> {
      t.dir("usr/bin", 0755);
      t.file("usr/bin/su", new byte[] {1, 2, 3}, 04755, 0, 0, Map.of());
      t.file("data/owned", "x".getBytes(), 0640, 1000, 2000, Map.of("SCHILY.xattr.user.note", "hello"));
      t.symlink("data/link", "owned");
      t.hardlink("data/hard", "data/owned");
      t.charDevice("dev/null", 1, 3);
      t.dir("sticky", 01777);
    });
    assertEquals(04755, mode(d.resolve("usr/bin/su")));
    assertEquals(1000, Files.getAttribute(d.resolve("data/owned"), "unix:uid"));
    assertEquals(2000, Files.getAttribute(d.resolve("data/owned"), "unix:gid"));
    assertEquals(0640, mode(d.resolve("data/owned")));
    assertEquals("hello", xattr(d.resolve("data/owned"), "user.note"));
    assertEquals(Path.of("owned"), Files.readSymbolicLink(d.resolve("data/link")));
    assertEquals(2, Files.getAttribute(d.resolve("data/hard"), "unix:nlink"));
    assertEquals(Libc.makedev(1, 3), ((Number) Files.getAttribute(d.resolve("dev/null"), "unix:rdev")).longValue());
    assertEquals(01777, mode(d.resolve("sticky")));
  }

  @Test
  void unpack_zstdAndPlain_work() throws IOException {
    Path z = unpack(TestImage.Compression.ZSTD, t -> t.file("a", "zstd", 0644));
    assertEquals("zstd", Files.readString(z.resolve("a")));
    Path p = unpack(TestImage.Compression.NONE, t -> t.file("a", "plain", 0644));
    assertEquals("plain", Files.readString(p.resolve("a")));
  }

  @Test
  void unpack_whiteoutsBecomeOverlayWhiteouts() throws IOException {
    Path d = unpack(TestImage.Compression.GZIP, t -> {
      t.file("etc/.wh.gone", "", 0644);
      t.dir("opaque", 0755);
      t.file("opaque/.wh..wh..opq", "", 0644);
      t.file("opaque/kept", "new", 0644);
    });
    Path gone = d.resolve("etc/gone");
    assertEquals(Libc.S_IFCHR, ((Integer) Files.getAttribute(gone, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 0170000);
    assertEquals(0L, ((Number) Files.getAttribute(gone, "unix:rdev")).longValue());
    assertFalse(Files.exists(d.resolve("etc/.wh.gone"), LinkOption.NOFOLLOW_LINKS));
    assertEquals("y", xattr(d.resolve("opaque"), LayerUnpacker.OPAQUE_XATTR));
    assertFalse(Files.exists(d.resolve("opaque/.wh..wh..opq")));
    assertEquals("new", Files.readString(d.resolve("opaque/kept")));
  }

  @Test
  void hostile_dotDotName_isRefusedNamingTheEntry() {
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
        () -> unpack(TestImage.Compression.GZIP, t -> t.rawFile("../../escape", "x")));
    assertTrue(e.getMessage().contains("../../escape"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("escape")));
  }

  @Test
  void hostile_absoluteName_landsInside() throws IOException {
    Path d = unpack(TestImage.Compression.GZIP, t -> t.rawFile("/abs-escape-" + tmp.getFileName(), "x"));
    assertTrue(Files.exists(d.resolve("abs-escape-" + tmp.getFileName())));
    assertFalse(Files.exists(Path.of("/abs-escape-" + tmp.getFileName())));
  }

  @Test
  void hostile_writeThroughSymlinkOut_staysInside() throws IOException {
    Path outside = tmp.resolve("outside");
    Files.createDirectories(outside);
    Path d = unpack(TestImage.Compression.GZIP, t -> {
      t.symlink("up", "../../../../../../../../" + outside);
      t.file("up/planted", "x", 0644);
      t.symlink("abs", outside.toString());
      t.file("abs/planted2", "x", 0644);
    });
    try (var files = Files.list(outside)) {
      assertEquals(0, files.count(), "nothing written outside the layer");
    }
    assertTrue(Files.exists(d.resolve(outside.toString().substring(1)).resolve("planted2")),
        "an absolute symlink is resolved inside the layer");
  }

  @Test
  void hostile_hardLinkOut_isRefused() throws IOException {
    Path secret = tmp.resolve("secret");
    Files.writeString(secret, "s");
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
        () -> unpack(TestImage.Compression.GZIP, t -> t.hardlink("steal", "../../secret")));
    assertTrue(e.getMessage().contains("steal"), e.getMessage());
    InvalidArgumentException viaLink = assertThrows(InvalidArgumentException.class,
        () -> unpack(TestImage.Compression.GZIP, t -> {
          t.symlink("out", tmp.toString());
          t.hardlink("steal", "out/secret");
        }));
    assertTrue(viaLink.getMessage().contains("steal"), viaLink.getMessage());
    assertEquals(1, Files.getAttribute(secret, "unix:nlink"));
  }

  /** A corrupt compressed stream is the image's fault: INVALID_ARGUMENT, not an internal error. */
  @Test
  void corruptGzipOrZstd_isAnInvalidLayer() throws IOException {
    for (TestImage.Compression c : new TestImage.Compression[] {TestImage.Compression.GZIP,
        TestImage.Compression.ZSTD}) {
      byte[] blob = new TestImage().layer(c, t -> t.file("data", new byte[100_000], 0644)).build().layers()
          .getFirst().blob();
      for (int i = 12; i < blob.length; i += 7) {
        blob[i] ^= 0x5a;
      }
      Path file = tmp.resolve("corrupt-" + c);
      Files.write(file, blob);
      InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
          () -> new LayerUnpacker(1L << 30).unpack(file, Files.createDirectories(tmp.resolve("out-" + c)), "bad"));
      assertTrue(e.getMessage().contains("not a valid (compressed) tar"), e.getMessage());
    }
  }

  @Test
  void bomb_beyondTheLimit_isRefused() throws IOException {
    TestImage.Layer layer = new TestImage().layer(TestImage.Compression.GZIP,
        t -> t.file("zeros", new byte[4 * 1024 * 1024], 0644)).build().layers().getFirst();
    Path blob = tmp.resolve("bomb");
    Files.write(blob, layer.blob());
    Path dir = Files.createDirectories(tmp.resolve("bomb-dir"));
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
        () -> new LayerUnpacker(1024 * 1024).unpack(blob, dir, "bomb"));
    assertTrue(e.getMessage().contains("decompression bomb"), e.getMessage());
  }

  private static int mode(Path p) throws IOException {
    return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 07777;
  }

  private static String xattr(Path p, String name) {
    byte[] buf = new byte[256];
    long n = Libc.INSTANCE.lgetxattr(p.toString(), name, buf, buf.length);
    byte[] v = java.util.Arrays.copyOf(buf, (int) n);
    assertArrayEquals(v, v);
    return new String(v);
  }

  @Test
  void directoryReplacedByALinkOut_isNotChmodedThroughTheLink() throws IOException {
    Path outside = Files.createDirectories(tmp.resolve("outside-dir"));
    Files.setPosixFilePermissions(outside, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    unpack(TestImage.Compression.NONE, t -> {
      t.dir("x", 0777);
      t.symlink("x", outside.toString());
      t.dir("y/z", 0777);
      t.file("y", "now a file", 0644);
    });
    assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(outside)), "the deferred chmod of x did not follow x's replacement out");
  }
}
