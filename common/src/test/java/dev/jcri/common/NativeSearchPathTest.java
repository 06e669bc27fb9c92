package dev.jcri.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class NativeSearchPathTest {

  @Test
  void candidates_multiarchFirstThenGeneric() {
    assertEquals(List.of("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib",
        "/lib"), NativeSearchPath.candidates("amd64"));
    assertEquals("/usr/lib/aarch64-linux-gnu", NativeSearchPath.candidates("aarch64").getFirst());
  }

  @Test
  void existing_dropsWhatIsNotADirectory(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path file = Files.createFile(tmp.resolve("file"));
    assertEquals(List.of(tmp.toString()), NativeSearchPath.existing(List.of(tmp.resolve("gone").toString(),
        file.toString(), tmp.toString())));
  }

  @Test
  void prepare_namesTheDirectoriesHoldingLibcAndLibcrypto_andTheyLoad() {
    NativeSearchPath.prepare();
    List<String> dirs = Arrays.asList(System.getProperty(NativeSearchPath.PROPERTY).split(":"));
    assertTrue(dirs.stream().anyMatch(d -> Files.exists(Path.of(d, "libc.so.6"))), dirs.toString());
    assertTrue(dirs.stream().anyMatch(d -> Files.exists(Path.of(d, "libcrypto.so.3"))), dirs.toString());
    // Both libraries jcri loads by name are found through it (libc through Libc, libcrypto through Digests).
    assertTrue(Libc.INSTANCE.strerror(2).contains("No such file"));
    assertTrue(Digests.isNative());
  }

  @Test
  void prepare_keepsAValueGivenOnTheCommandLine() {
    String before = System.getProperty(NativeSearchPath.PROPERTY);
    System.setProperty(NativeSearchPath.PROPERTY, "/given");
    try {
      NativeSearchPath.prepare();
      assertEquals("/given", System.getProperty(NativeSearchPath.PROPERTY));
    } finally {
      if (before == null) {
        System.clearProperty(NativeSearchPath.PROPERTY);
      } else {
        System.setProperty(NativeSearchPath.PROPERTY, before);
      }
    }
  }
}
