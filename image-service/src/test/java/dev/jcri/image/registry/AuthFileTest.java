package dev.jcri.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthFileTest {

  @TempDir Path dir;

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes());
  }

  @Test
  void eachFormDockerWrites_givesTheRegistrysCredentials() throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, """
        {"auths": {
          "https://index.docker.io/v1/": {"auth": "%s"},
          "registry.example.com:5000": {"username": "bob", "password": "pw2"},
          "https://ghcr.io/v2/": {"identitytoken": "refresh-me"}
        }}
        """.formatted(b64("alice:pw1")));
    AuthFile auth = new AuthFile(file);

    assertEquals(Credentials.of("alice", "pw1", "", "", ""), auth.forRegistry("docker.io"));
    assertEquals(Credentials.of("bob", "pw2", "", "", ""), auth.forRegistry("registry.example.com:5000"));
    assertEquals(new Credentials("", "", "refresh-me", ""), auth.forRegistry("ghcr.io"));
    assertEquals(Credentials.NONE, auth.forRegistry("quay.io"));
  }

  @Test
  void noFileABrokenOneOrAHugeOne_givesNoCredentials() throws Exception {
    assertEquals(Credentials.NONE, AuthFile.NONE.forRegistry("docker.io"));
    assertEquals(Credentials.NONE, new AuthFile(dir.resolve("absent.json")).forRegistry("docker.io"));
    Path broken = Files.writeString(dir.resolve("broken.json"), "{\"auths\": {\"docker.io\": {\"auth\": \"%%%\"}}}");
    assertEquals(Credentials.NONE, new AuthFile(broken).forRegistry("docker.io"));
    Path huge = Files.writeString(dir.resolve("huge.json"), "{\"auths\": {}}" + " ".repeat((int) AuthFile.MAX_BYTES));
    assertEquals(Credentials.NONE, new AuthFile(huge).forRegistry("docker.io"));
  }
}
