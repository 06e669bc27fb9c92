package dev.jcri.server.stream;

import dev.jcri.common.ResourceExhaustedException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The requests behind streaming URLs, each under a random URL-safe token that works once and expires.
 * Bounded: when full, expired tokens are dropped, and if none are, a new request is refused.
 */
public final class StreamTokens {

  public static final Duration TTL = Duration.ofMinutes(1);
  public static final int MAX_IN_FLIGHT = 1000;
  private static final int TOKEN_BYTES = 16;

  private record Entry(StreamRequest request, long expiresAt) {}

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private final LongSupplier clock;
  private final long ttlNanos;
  private final int max;

  public StreamTokens() {
    this(System::nanoTime, TTL, MAX_IN_FLIGHT);
  }

  StreamTokens(LongSupplier nanoClock, Duration ttl, int max) {
    this.clock = nanoClock;
    this.ttlNanos = ttl.toNanos();
    this.max = max;
  }

  /** Stores {@code request} and returns its token. */
  public synchronized String issue(StreamRequest request) {
    long now = clock.getAsLong();
    if (entries.size() >= max) {
      dropExpired(now);
      if (entries.size() >= max) {
        throw new ResourceExhaustedException("too many streaming requests waiting to be used (" + max
            + "); try again when some have been used or expired (after " + TTL.toSeconds() + " s)");
      }
    }
    String token;
    do {
      byte[] bytes = new byte[TOKEN_BYTES];
      random.nextBytes(bytes);
      token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    } while (entries.containsKey(token));
    entries.put(token, new Entry(request, now + ttlNanos));
    return token;
  }

  /** Removes and returns the request under {@code token}, if it exists and has not expired. */
  public synchronized Optional<StreamRequest> take(String token) {
    Entry e = entries.remove(token);
    if (e == null || clock.getAsLong() - e.expiresAt() > 0) {
      return Optional.empty();
    }
    return Optional.of(e.request());
  }

  public synchronized int size() {
    return entries.size();
  }

  private void dropExpired(long now) {
    // Entries are in issue order, so expiry order: stop at the first live one.
    for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
      if (now - it.next().expiresAt() > 0) {
        it.remove();
      } else {
        break;
      }
    }
  }
}
