package dev.jcri.image.ref;

import dev.jcri.common.InvalidArgumentException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A normalised image reference, as Docker and containerd normalise them: {@code busybox} is
 * {@code docker.io/library/busybox:latest}. A reference carries a tag, a digest, or both.
 *
 * @param domain registry host, with port when given ({@code docker.io}, {@code 127.0.0.1:5000})
 * @param path repository path inside the registry ({@code library/busybox})
 * @param tag tag, or null
 * @param digest digest, or null
 */
public record ImageReference(String domain, String path, String tag, Digest digest) {

  public static final String DOCKER_HUB = "docker.io";

  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern DOMAIN = Pattern.compile(
      "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:]+\\])(?::[0-9]+)?");
  private static final int MAX_NAME = 255;

  public static ImageReference parse(String text) {
    if (text == null || text.isBlank()) {
      throw invalid(text, "it is empty");
    }
    String rest = text;
    Digest digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      try {
        digest = Digest.parse(rest.substring(at + 1));
      } catch (InvalidArgumentException e) {
        throw invalid(text, "the digest is not valid (" + e.getMessage() + ")");
      }
      rest = rest.substring(0, at);
    }
    String tag = null;
    int slash = rest.lastIndexOf('/');
    int colon = rest.lastIndexOf(':');
    if (colon > slash) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw invalid(text, "the tag \"" + tag + "\" is not valid (letters, digits, '_', '.', '-'; at most 128)");
      }
    }
    String domain;
    String path;
    int first = rest.indexOf('/');
    String head = first < 0 ? rest : rest.substring(0, first);
    if (first >= 0 && (head.contains(".") || head.contains(":") || head.equals("localhost")
        || !head.equals(head.toLowerCase(Locale.ROOT)))) {
      domain = head;
      path = rest.substring(first + 1);
      if (!DOMAIN.matcher(domain).matches()) {
        throw invalid(text, "the registry host \"" + domain + "\" is not valid");
      }
    } else {
      domain = DOCKER_HUB;
      path = rest;
    }
    if (domain.equals("index.docker.io")) {
      domain = DOCKER_HUB;
    }
    if (domain.equals(DOCKER_HUB) && !path.contains("/")) {
      path = "library/" + path;
    }
    if (path.isEmpty()) {
      throw invalid(text, "it names no repository");
    }
    for (String component : path.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        String why = !component.equals(component.toLowerCase(Locale.ROOT))
            ? "repository names must be lowercase"
            : "\"" + component + "\" is not a valid path component (lowercase letters, digits, '.', '_', '-')";
        throw invalid(text, why);
      }
    }
    if (domain.length() + 1 + path.length() > MAX_NAME) {
      throw invalid(text, "the repository name is longer than " + MAX_NAME + " characters");
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new ImageReference(domain, path, tag, digest);
  }

  private static InvalidArgumentException invalid(String text, String why) {
    return new InvalidArgumentException("invalid image reference \"" + text + "\": " + why);
  }

  /** {@code domain/path}, the name repo tags and repo digests are built from. */
  public String repository() {
    return domain + "/" + path;
  }

  /** What to ask the registry's manifest endpoint for: the digest when there is one, else the tag. */
  public String manifestReference() {
    return digest != null ? digest.toString() : tag;
  }

  /** {@code repository:tag}, or null when the reference has no tag. */
  public String repoTag() {
    return tag == null ? null : repository() + ":" + tag;
  }

  public ImageReference withDigest(Digest d) {
    return new ImageReference(domain, path, null, d);
  }

  @Override
  public String toString() {
    return repository() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }
}
