package dev.jcri.server.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.ResourceExhaustedException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StreamTokensTest {

  final AtomicLong now = new AtomicLong();
  final StreamTokens tokens = new StreamTokens(now::get, Duration.ofMinutes(1), 3);
  final StreamRequest req = new StreamRequest.Exec("c1", List.of("sh"), false, false, true, false);

  @Test
  void tokenIsUrlSafeRandomAndSingleUse() {
    String a = tokens.issue(req);
    String b = tokens.issue(req);
    assertNotEquals(a, b);
    assertTrue(a.matches("[A-Za-z0-9_-]{22}"), a);
    assertEquals(req, tokens.take(a).orElseThrow());
    assertTrue(tokens.take(a).isEmpty(), "used once");
    assertTrue(tokens.take("nope").isEmpty());
  }

  @Test
  void expiresAfterAMinute() {
    String a = tokens.issue(req);
    now.addAndGet(Duration.ofSeconds(59).toNanos());
    String b = tokens.issue(req);
    now.addAndGet(Duration.ofSeconds(2).toNanos());
    assertTrue(tokens.take(a).isEmpty(), "61 s old");
    assertTrue(tokens.take(b).isPresent(), "2 s old");
  }

  @Test
  void boundedInNumberWithExpiredOnesMakingRoom() {
    tokens.issue(req);
    tokens.issue(req);
    tokens.issue(req);
    ResourceExhaustedException e = assertThrows(ResourceExhaustedException.class, () -> tokens.issue(req));
    assertTrue(e.getMessage().contains("too many streaming requests"), e.getMessage());
    now.addAndGet(Duration.ofMinutes(2).toNanos());
    tokens.issue(req);
    assertEquals(1, tokens.size(), "the expired three were dropped to make room");
  }
}
