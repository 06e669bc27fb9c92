package dev.jcri.image;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** What pulls in progress use (blobs, ChainIDs): held until the pull ends, and never collected meanwhile. */
final class Leases {

  private final Map<String, Integer> held = new ConcurrentHashMap<>();

  /** Leases {@code what} for a pull, remembering it in {@code mine} to release at its end. */
  void lease(List<String> mine, String what) {
    mine.add(what);
    held.merge(what, 1, Integer::sum);
  }

  void release(String what) {
    held.computeIfPresent(what, (k, v) -> v <= 1 ? null : v - 1);
  }

  Set<String> held() {
    return Set.copyOf(held.keySet());
  }
}
