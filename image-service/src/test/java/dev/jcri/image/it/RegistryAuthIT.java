package dev.jcri.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.PermissionDeniedException;
import dev.jcri.image.ImageService;
import dev.jcri.image.registry.AuthFile;
import dev.jcri.image.registry.Credentials;
import dev.jcri.image.registry.RegistryHosts;
import dev.jcri.image.testing.LocalRegistry;
import dev.jcri.image.testing.RegistryPusher;
import dev.jcri.image.testing.TestImage;
import dev.jcri.image.testing.TokenServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from real registries behind Basic (htpasswd) and Bearer-token auth. */
class RegistryAuthIT {

  @TempDir Path dir;

  private ImageService images() {
    return new ImageService(new ImageService.Settings(dir.resolve("jcri"), RegistryHosts.direct(), 3, 1L << 32,
        Set.of()));
  }

  @Test
  void basicAuth_withoutCredentials_isDenied_withThem_pulls() throws Exception {
    Process htpasswd = new ProcessBuilder("htpasswd", "-Bbn", "alice", "s3cret").start();
    String line = new String(htpasswd.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertEquals(0, htpasswd.waitFor(), "htpasswd (apache2-utils) makes the password file");
    Path file = dir.resolve("htpasswd");
    Files.writeString(file, line + "\n");
    try (LocalRegistry registry = LocalRegistry.start(dir.resolve("reg"),
        "  htpasswd:\n    realm: jcri-test\n    path: " + file + "\n")) {
      TestImage.Built image = new TestImage().layer(TestImage.Compression.GZIP, t -> t.file("a", "a", 0644)).build();
      new RegistryPusher(registry.url(), "alice", "s3cret").push("private/app", "v1", image);
      String ref = registry.host() + "/private/app:v1";
      ImageService images = images();

      PermissionDeniedException anonymous = assertThrows(PermissionDeniedException.class,
          () -> images.pull(ref, Credentials.NONE));
      assertTrue(anonymous.getMessage().contains("username and password"), anonymous.getMessage());
      PermissionDeniedException wrong = assertThrows(PermissionDeniedException.class,
          () -> images.pull(ref, Credentials.of("alice", "wrong", "", "", "")));
      assertTrue(wrong.getMessage().contains("alice"), wrong.getMessage());
      assertTrue(!wrong.getMessage().contains("wrong"), "the password never shows in messages");

      String auth = Base64.getEncoder().encodeToString("alice:s3cret".getBytes());
      assertEquals(image.configDigest(), images.pull(ref, Credentials.of("", "", auth, "", "")).id());

      // The node's auth file serves a pull that brings no credentials; one that brings its own keeps them.
      Path authFile = dir.resolve("config.json");
      Files.writeString(authFile, "{\"auths\": {\"" + registry.host() + "\": {\"auth\": \"" + auth + "\"}}}");
      ImageService withFile = new ImageService(new ImageService.Settings(dir.resolve("jcri-file"),
          RegistryHosts.direct(), 3, 1L << 32, 1L << 33, Set.of(), new AuthFile(authFile)));
      assertEquals(image.configDigest(), withFile.pull(ref, Credentials.NONE).id());
      assertThrows(PermissionDeniedException.class,
          () -> withFile.pull(ref, Credentials.of("alice", "wrong", "", "", "")));
    }
  }

  @Test
  void bearerTokens_areFetchedWithCredentials_andCachedPerScope() throws Exception {
    try (TokenServer tokens = TokenServer.start(dir.resolve("token"), "bob", "pw");
        LocalRegistry registry = LocalRegistry.start(dir.resolve("reg"), tokens.registryAuthYaml())) {
      TestImage.Built image = new TestImage().layer(TestImage.Compression.GZIP, t -> t.file("b", "b", 0644))
          .layer(TestImage.Compression.GZIP, t -> t.file("c", "c", 0644)).build();
      RegistryPusher.withAuthorization(registry.url(), "Bearer " + tokens.mint("bob", "team/app"))
          .push("team/app", "v1", image);
      String ref = registry.host() + "/team/app:v1";
      ImageService images = images();

      assertThrows(PermissionDeniedException.class, () -> images.pull(ref, Credentials.NONE));
      int before = tokens.issued();
      assertEquals(image.configDigest(), images.pull(ref, Credentials.of("bob", "pw", "", "", "")).id());
      assertEquals(1, tokens.issued() - before, "one token serves the manifest and every blob of the pull");

      ImageService fresh = new ImageService(new ImageService.Settings(dir.resolve("jcri2"), RegistryHosts.direct(), 3,
          1L << 32, Set.of()));
      assertEquals(image.configDigest(), fresh.pull(ref, Credentials.of("", "", "", TokenServer.REFRESH_TOKEN, ""))
          .id(), "an identity token is traded for an access token");
      ImageService third = new ImageService(new ImageService.Settings(dir.resolve("jcri3"), RegistryHosts.direct(), 3,
          1L << 32, Set.of()));
      assertEquals(image.configDigest(), third.pull(ref, Credentials.of("", "", "", "",
          tokens.mint("bob", "team/app"))).id(), "a registry token is sent as it is");
    }
  }
}
