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
    assertEquals(1000, UserResolver.resolve(rootfs, null, "app", null, List.of(), "").uid());
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
        () -> UserResolver.resolve(rootfs, null, "app", null, List.of(), ""));
    assertTrue(e.getMessage().contains("/etc/passwd is larger than"), e.getMessage());
  }
}
