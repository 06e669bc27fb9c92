package dev.jcri.server.log;

import dev.jcri.server.config.JcriConfig;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Points java.util.logging at standard error with the configured level and format. */
public final class LogSetup {

  /**
   * Loggers configured here. java.util.logging holds loggers weakly, so a level set on one nobody
   * references is lost when it is collected; these references keep the settings.
   */
  private static final List<Logger> CONFIGURED = new CopyOnWriteArrayList<>();

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
    set("dev.jcri", jul);
    // Library chatter stays at INFO and above even when jcri itself logs at debug.
    Level libraries = jul.intValue() < Level.INFO.intValue() ? Level.INFO : jul;
    set("io.grpc", libraries);
    set("io.netty", libraries);
    set("io.opentelemetry", libraries);
    // dbus-java (the systemd driver) tells at INFO which transport it picked; its warnings still show.
    set("org.freedesktop.dbus", jul.intValue() < Level.WARNING.intValue() ? Level.WARNING : jul);
    // The JDK logs every ProcessBuilder start at debug with a stack trace: a normal spawn is not worth one.
    set("java.lang.ProcessBuilder", libraries);
    // grpc-java asks every accepted channel for SO_KEEPALIVE, which unix sockets do not have; Netty warns
    // about it once per connection. Nothing is wrong, so that warning is not shown.
    set("io.netty.bootstrap.ServerBootstrap", Level.SEVERE);
  }

  private static void set(String name, Level level) {
    Logger logger = Logger.getLogger(name);
    logger.setLevel(level);
    CONFIGURED.add(logger);
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
