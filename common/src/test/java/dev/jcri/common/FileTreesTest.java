package dev.jcri.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {

  @TempDir Path tmp;

  @Test
  void aBindMountInsideIsDetachedNotEmptied() throws Exception {
    Path precious = Files.createDirectories(tmp.resolve("volume"));
    Files.writeString(precious.resolve("data"), "keep me");
    Path tree = Files.createDirectories(tmp.resolve("bundle/idmapped/0"));
    Files.writeString(tmp.resolve("bundle/config.json"), "{}");
    Libc.INSTANCE.mount(precious.toString(), tree.toString(), null, Libc.MS_BIND, null);
    try {
      FileTrees.delete(tmp.resolve("bundle"));
      assertFalse(Files.exists(tmp.resolve("bundle")));
      assertEquals("keep me", Files.readString(precious.resolve("data")), "the mounted volume's contents survive");
    } finally {
      if (FileTrees.mountsUnder(tree).contains(tree.toString())) {
        Libc.INSTANCE.umount2(tree.toString(), Libc.MNT_DETACH);
      }
    }
    assertTrue(Files.exists(precious.resolve("data")));
  }

  @Test
  void usage_countsRegularFilesBytes_andEveryEntry_withoutFollowingSymlinks() throws Exception {
    Path tree = Files.createDirectories(tmp.resolve("layer/etc"));
    Files.writeString(tree.resolve("hosts"), "x".repeat(300));
    Files.writeString(tmp.resolve("layer/big"), "y".repeat(5000));
    Files.writeString(tmp.resolve("outside"), "z".repeat(100_000));
    Files.createSymbolicLink(tmp.resolve("layer/link"), tmp.resolve("outside"));
    long[] u = FileTrees.usage(tmp.resolve("layer"));
    assertEquals(5300, u[0], "the symlink's target outside is not counted");
    assertEquals(5, u[1], "layer, etc, hosts, big, link");
    long[] none = FileTrees.usage(tmp.resolve("gone"));
    assertEquals(0, none[0]);
    assertEquals(0, none[1]);
  }
}
