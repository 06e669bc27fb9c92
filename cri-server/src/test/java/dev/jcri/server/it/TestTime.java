package dev.jcri.server.it;

/**
 * How much slower than a build machine the tests run: 1 there; the test node, emulated, sets
 * {@code -Djcri.it.slowdown} so client deadlines and waits stretch while what they wait for stays the same.
 */
final class TestTime {

  static final int SLOWDOWN = Math.max(1, Integer.getInteger("jcri.it.slowdown", 1));

  private TestTime() {}

  static long seconds(long seconds) {
    return seconds * SLOWDOWN;
  }
}
