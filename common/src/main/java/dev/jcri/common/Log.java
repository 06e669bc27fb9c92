package dev.jcri.common;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Structured log lines over java.util.logging: a message plus ordered key/value fields. The fields travel as
 * the record's single parameter, so the text and JSON formatters of the server can print them as
 * {@code k=v} pairs or JSON members. Fields are only built when the level is enabled.
 */
public final class Log {

  private final Logger logger;

  private Log(Logger logger) {
    this.logger = logger;
  }

  public static Log of(Class<?> owner) {
    return new Log(Logger.getLogger(owner.getName()));
  }

  public boolean enabled(Level level) {
    return logger.isLoggable(level);
  }

  public void debug(String message, Object... keyValues) {
    log(Level.FINE, message, null, keyValues);
  }

  public void info(String message, Object... keyValues) {
    log(Level.INFO, message, null, keyValues);
  }

  public void warn(String message, Object... keyValues) {
    log(Level.WARNING, message, null, keyValues);
  }

  public void error(String message, Throwable cause, Object... keyValues) {
    log(Level.SEVERE, message, cause, keyValues);
  }

  public void log(Level level, String message, Throwable cause, Object... keyValues) {
    if (!logger.isLoggable(level)) {
      return;
    }
    LogRecord record = new LogRecord(level, message);
    record.setLoggerName(logger.getName());
    record.setParameters(new Object[] {fields(keyValues)});
    record.setThrown(cause);
    logger.log(record);
  }

  /** The fields a record carries, or an empty map for records not made by this class. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> fieldsOf(LogRecord record) {
    Object[] params = record.getParameters();
    if (params != null && params.length == 1 && params[0] instanceof Fields f) {
      return f.map();
    }
    return Collections.emptyMap();
  }

  private static Fields fields(Object... keyValues) {
    if (keyValues.length % 2 != 0) {
      throw new IllegalArgumentException("log fields come in key/value pairs");
    }
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      map.put(String.valueOf(keyValues[i]), keyValues[i + 1]);
    }
    return new Fields(Collections.unmodifiableMap(map));
  }

  /** A record parameter that marks its fields as ours. */
  record Fields(Map<String, Object> map) {
    @Override
    public String toString() {
      return map.toString();
    }
  }
}
