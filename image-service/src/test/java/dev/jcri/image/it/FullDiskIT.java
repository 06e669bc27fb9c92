package dev.jcri.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.Libc;
import dev.jcri.common.ResourceExhaustedException;
import dev.jcri.image.ImageService;
import dev.jcri.image.registry.Credentials;
import dev.jcri.image.registry.RegistryHosts;
import dev.jcri.image.testing.LocalRegistry;
import dev.jcri.image.testing.RegistryPusher;
import dev.jcri.image.testing.TestImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls onto a full disk (a small tmpfs): a clear RESOURCE_EXHAUSTED, and no partial image left. */
class FullDiskIT {

  @TempDir static Path dir;
  static LocalRegistry registry;
  static Path disk;

  @BeforeAll
  static void start() throws Exception {
    registry = LocalRegistry.start(dir.resolve("registry"));
    RegistryPusher pusher = new RegistryPusher(registry);
    byte[] noise = new byte[12 << 20];
    new Random(1).nextBytes(noise);
    pusher.push("full/download", "1", new TestImage().busyboxLayer()
        .layer(TestImage.Compression.NONE, t -> t.file("noise", noise, 0644)).build());
    pusher.push("full/unpack", "1", new TestImage().busyboxLayer()
        .layer(TestImage.Compression.GZIP, t -> t.file("zeros", new byte[12 << 20], 0644)).build());
    disk = dir.resolve("disk");
    Files.createDirectories(disk);
    Libc.INSTANCE.mount("tmpfs", disk.toString(), "tmpfs", 0, "size=8m");
  }

  @AfterAll
  static void stop() {
    try {
      Libc.INSTANCE.umount2(disk.toString(), Libc.MNT_DETACH);
    } finally {
      registry.close();
    }
  }

  @Test
  void layerThatDoesNotFit_downloadOrUnpack_isResourceExhaustedAndLeavesNoImage() throws Exception {
    for (String repo : List.of("full/download", "full/unpack")) {
      Path root = disk.resolve(repo.replace('/', '-'));
      ImageService images = new ImageService(new ImageService.Settings(root, RegistryHosts.direct(), 3, 1L << 32,
          Set.of()));
      ResourceExhaustedException e = assertThrows(ResourceExhaustedException.class,
          () -> images.pull(registry.host() + "/" + repo + ":1", Credentials.NONE));
      assertTrue(e.getMessage().contains("no space left"), e.getMessage());
      assertEquals(List.of(), images.list(), "no image recorded");
      images.collect();
      assertEquals(List.of(), images.snapshots().list(), "layers unpacked before the failure go with collection");
      try (Stream<Path> files = Files.walk(root)) {
        long bytes = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        assertTrue(bytes < 64 << 10, "what remains after collection is small (" + bytes + " bytes)");
      }
      for (Path m : Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(l -> Path.of(l.split(" ")[1]))
          .filter(m -> m.startsWith(root)).toList()) {
        throw new AssertionError("mount left: " + m);
      }
    }
  }
}
