package dev.jcri.image.registry;

import dev.jcri.common.InvalidArgumentException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What a pull may authenticate with, as the CRI AuthConfig carries it: a username and password (or the
 * base64 {@code auth} form of both), an identity token to trade for access tokens, or a registry token to
 * send as it is.
 */
public record Credentials(String username, String password, String identityToken, String registryToken) {

  public static final Credentials NONE = new Credentials("", "", "", "");

  public Credentials {
    username = username == null ? "" : username;
    password = password == null ? "" : password;
    identityToken = identityToken == null ? "" : identityToken;
    registryToken = registryToken == null ? "" : registryToken;
  }

  /** Builds credentials from the CRI AuthConfig fields; {@code auth} fills username and password when set. */
  public static Credentials of(String username, String password, String auth, String identityToken,
      String registryToken) {
    if (auth != null && !auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new InvalidArgumentException("auth.auth is not valid base64 of \"user:password\"");
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new InvalidArgumentException("auth.auth must be base64 of \"user:password\"");
      }
      username = decoded.substring(0, colon);
      password = decoded.substring(colon + 1);
    }
    return new Credentials(username, password, identityToken, registryToken);
  }

  public boolean hasBasic() {
    return !username.isEmpty();
  }

  public boolean isEmpty() {
    return username.isEmpty() && identityToken.isEmpty() && registryToken.isEmpty();
  }

  public String basicHeader() {
    return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** Never prints secrets. */
  @Override
  public String toString() {
    return isEmpty() ? "anonymous" : hasBasic() ? "user " + username : "token";
  }
}
