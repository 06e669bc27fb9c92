package dev.jcri.sandbox.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.InvalidArgumentException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserResolverTest {

  @TempDir Path rootfs;

  @Test
  void namedUser_isReadFromTheImagesPasswd() throws Exception {
    Files.createDirectories(rootfs.resolve("etc"));
    Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n");
    assertEquals(1000, UserResolver.resolve(rootfs, null, "app", null, List.of(), "", true).uid());
  }

  /** The image wrote the file and jcri reads it whole: one of 2 MiB is refused, not read. */
  @Test
  void passwdOrGroupLargerThanAMebibyte_isRefused() throws Exception {
    Files.createDirectories(rootfs.resolve("etc"));
    StringBuilder big = new StringBuilder("app:x:1000:1000::/:/bin/sh\n");
    while (big.length() < 2 << 20) {
      big.append("u").append(big.length()).append(":x:1:1::/:/bin/sh\n");
    }
    Files.writeString(rootfs.resolve("etc/passwd"), big);
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
        () -> UserResolver.resolve(rootfs, null, "app", null, List.of(), "", true));
    assertTrue(e.getMessage().contains("/etc/passwd is larger than"), e.getMessage());
  }

  /**
   * The image's /etc/group puts uid 1000 in group 50000: Merge (SupplementalGroupsPolicy's default) adds it to the
   * groups asked for, Strict gives only the primary group and those asked for, as critest's specs expect.
   */
  @Test
  void groupsFromTheImage_mergedOrLeftOutByPolicy() throws Exception {
    Files.createDirectories(rootfs.resolve("etc"));
    Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0::/:/bin/sh\ndefault-user:x:1000:1000::/:/bin/sh\n");
    Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\ndefault-user:x:1000:\n"
        + "group-defined-in-image:x:50000:default-user\n");

    UserResolver.Resolved merge = UserResolver.resolve(rootfs, 1000L, "", null, List.of(1234L), "", true);
    UserResolver.Resolved strict = UserResolver.resolve(rootfs, 1000L, "", null, List.of(1234L), "", false);

    assertEquals(1000, merge.gid());
    assertEquals(List.of(1000L, 50000L, 1234L), merge.additionalGids());
    assertEquals(1000, strict.gid());
    assertEquals(List.of(1000L, 1234L), strict.additionalGids());
  }
}
