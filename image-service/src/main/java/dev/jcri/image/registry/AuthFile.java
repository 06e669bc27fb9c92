package dev.jcri.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jcri.common.Json;
import dev.jcri.common.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * The node's registry credentials in Docker's {@code config.json} form (what kubelet's {@code config.json} and
 * CRI-O's {@code global_auth_file} hold): {@code {"auths": {"<registry>": {"auth": base64(user:password)}}}},
 * or {@code username}/{@code password}, or {@code identitytoken}. A pull whose request carries no credentials
 * uses the entry of its registry. The file is read at each such pull, so an edit needs no restart.
 */
public final class AuthFile {

  private static final Log LOG = Log.of(AuthFile.class);
  /** The most of the file read: it is read whole. */
  static final long MAX_BYTES = 1024 * 1024;
  /** Docker Hub's entry, as `docker login` writes it. */
  private static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";

  private final Path file;

  /** @param file the auth file, or null for none */
  public AuthFile(Path file) {
    this.file = file;
  }

  public static final AuthFile NONE = new AuthFile(null);

  /** The credentials the file gives {@code registry} (a host or host:port), or none. */
  public Credentials forRegistry(String registry) {
    if (file == null || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return Credentials.NONE;
    }
    try {
      if (Files.size(file) > MAX_BYTES) {
        LOG.warn("registry auth file ignored: larger than " + MAX_BYTES + " bytes", "file", file);
        return Credentials.NONE;
      }
      JsonNode auths = Json.PLAIN.readTree(Files.readAllBytes(file)).path("auths");
      for (Map.Entry<String, JsonNode> e : auths.properties()) {
        if (registryOf(e.getKey()).equals(registry)) {
          JsonNode a = e.getValue();
          return Credentials.of(a.path("username").asText(""), a.path("password").asText(""),
              a.path("auth").asText(""), a.path("identitytoken").asText(""), a.path("registrytoken").asText(""));
        }
      }
      return Credentials.NONE;
    } catch (IOException | RuntimeException e) {
      // Never the file's contents: they are secrets.
      LOG.warn("registry auth file cannot be read; pulls go without its credentials", "file", file,
          "error", e.getClass().getSimpleName());
      return Credentials.NONE;
    }
  }

  /** The registry an auths key names: a bare host[:port], or a URL as `docker login` writes some. */
  static String registryOf(String key) {
    if (key.equals(DOCKER_HUB_KEY) || key.equals("index.docker.io") || key.equals("registry-1.docker.io")) {
      return "docker.io";
    }
    String k = key.replaceFirst("^https?://", "");
    int slash = k.indexOf('/');
    return slash < 0 ? k : k.substring(0, slash);
  }
}
