package dev.jcri.server.log;

import java.util.logging.LogManager;

/**
 * The JDK's LogManager closes every handler in a shutdown hook of its own, racing jcri's hook, so the lines
 * that tell how shutdown went would be lost. This one ignores that reset; handlers flush on every record.
 * Installed through the {@code java.util.logging.manager} property before any logger exists.
 */
public final class QuietShutdownLogManager extends LogManager {

  @Override
  public void reset() {
    // Ignored: see the class comment. LogSetup swaps handlers itself.
  }
}
