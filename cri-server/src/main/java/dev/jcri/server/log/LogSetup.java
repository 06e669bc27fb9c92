package dev.jcri.server.log;

import dev.jcri.server.config.JcriConfig;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Points java.util.logging at standard error with the configured level and format. */
public final class LogSetup {

  private LogSetup() {}

  public static void configure(JcriConfig.LogLevel level, JcriConfig.LogFormat format) {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    Formatter formatter = format == JcriConfig.LogFormat.JSON ? new JsonFormatter() : new TextFormatter();
    ConsoleHandler handler = new ConsoleHandler();
    handler.setFormatter(formatter);
    handler.setLevel(Level.ALL);
    root.addHandler(handler);
    Level jul = toJul(level);
    root.setLevel(jul);
    Logger.getLogger("dev.jcri").setLevel(jul);
    // Library chatter stays at INFO and above even when jcri itself logs at debug.
    Level libraries = jul.intValue() < Level.INFO.intValue() ? Level.INFO : jul;
    Logger.getLogger("io.grpc").setLevel(libraries);
    Logger.getLogger("io.netty").setLevel(libraries);
    Logger.getLogger("io.opentelemetry").setLevel(libraries);
  }

  static Level toJul(JcriConfig.LogLevel level) {
    return switch (level) {
      case DEBUG -> Level.FINE;
      case INFO -> Level.INFO;
      case WARN -> Level.WARNING;
      case ERROR -> Level.SEVERE;
    };
  }

  static String levelName(Level level) {
    int v = level.intValue();
    if (v >= Level.SEVERE.intValue()) {
      return "error";
    } else if (v >= Level.WARNING.intValue()) {
      return "warn";
    } else if (v >= Level.INFO.intValue()) {
      return "info";
    }
    return "debug";
  }

  static String shortLogger(String name) {
    if (name == null) {
      return "";
    }
    return name.startsWith("dev.jcri.") ? name.substring("dev.jcri.".length()) : name;
  }
}
