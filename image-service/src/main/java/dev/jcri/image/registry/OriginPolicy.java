package dev.jcri.image.registry;

import dev.jcri.common.PermissionDeniedException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Where a registry may send jcri, and what travels along: a registry and its token service are strangers to
 * jcri, so a redirect or a token realm is checked before it is followed.
 * <ul>
 *   <li>Only http and https, and never from https down to http.
 *   <li>Never to a link-local address (the cloud metadata services at 169.254.169.254 and fd00:ec2::254), an
 *       unspecified or multicast address, nor from a registry off this node to this node's loopback.
 *   <li>Credentials go only to the origin (scheme, host and port) they were given for.
 * </ul>
 */
final class OriginPolicy {

  private OriginPolicy() {}

  /** The redirect target of {@code location} (resolved against {@code from}), or a refusal. */
  static URI redirect(URI from, String location, String what) {
    URI to = parse(() -> from.resolve(location.strip()), what + ": the registry redirected to a malformed location");
    checkTarget(from, to, what + ": the registry redirected");
    return to;
  }

  /**
   * Checks a bearer-token realm of the registry at {@code registry}: https, or http only where the registry
   * itself is reached over http (an insecure or loopback registry).
   */
  static URI realm(URI registry, String realm, String what) {
    URI to = parse(() -> URI.create(realm.strip()), what + ": the registry named a malformed token realm");
    if (to.getHost() == null) {
      throw new PermissionDeniedException(what + ": the token realm names no host; refused");
    }
    checkTarget(registry, to, what + ": the registry's token realm");
    return to;
  }

  private static URI parse(Supplier<URI> make, String refusal) {
    try {
      return make.get();
    } catch (IllegalArgumentException e) {
      throw new PermissionDeniedException(refusal + "; refused");
    }
  }

  /** True when credentials meant for {@code origin} may go to {@code to}: same scheme, host and port. */
  static boolean sameOrigin(URI origin, URI to) {
    return scheme(origin).equals(scheme(to)) && host(origin).equals(host(to)) && port(origin) == port(to);
  }

  private static void checkTarget(URI from, URI to, String what) {
    String scheme = scheme(to);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw new PermissionDeniedException(what + " to a " + (scheme.isEmpty() ? "relative" : scheme)
          + " URL; only http and https are followed");
    }
    if (scheme(from).equals("https") && scheme.equals("http")) {
      throw new PermissionDeniedException(what + " from https to plain http (" + to.getHost()
          + "); a downgrade is refused");
    }
    if (to.getHost() == null || to.getHost().isEmpty()) {
      throw new PermissionDeniedException(what + " to a URL without a host; refused");
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(bare(to.getHost()));
    } catch (UnknownHostException e) {
      return; // the request itself fails with the name's error
    }
    boolean fromLoopback = isLoopbackHost(from);
    for (InetAddress a : addresses) {
      if (a.isLinkLocalAddress() || a.isAnyLocalAddress() || a.isMulticastAddress() || isMetadata(a)) {
        throw new PermissionDeniedException(what + " to " + to.getHost() + " (" + a.getHostAddress()
            + "), a link-local, unspecified or metadata address; refused");
      }
      if (a.isLoopbackAddress() && !fromLoopback) {
        throw new PermissionDeniedException(what + " to this node's loopback (" + to.getHost()
            + "); only a registry on this node may send jcri there");
      }
    }
  }

  private static boolean isLoopbackHost(URI u) {
    try {
      for (InetAddress a : InetAddress.getAllByName(bare(u.getHost()))) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** AWS's IPv6 instance metadata address, which is not link-local. */
  private static boolean isMetadata(InetAddress a) {
    return a instanceof Inet6Address && a.getHostAddress().toLowerCase(Locale.ROOT).startsWith("fd00:ec2:0:0:0:0:0:254");
  }

  private static String bare(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private static String scheme(URI u) {
    return u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
  }

  private static String host(URI u) {
    return u.getHost() == null ? "" : u.getHost().toLowerCase(Locale.ROOT);
  }

  private static int port(URI u) {
    if (u.getPort() >= 0) {
      return u.getPort();
    }
    return scheme(u).equals("https") ? 443 : 80;
  }
}
