package dev.jcri.server.config;

/** A configuration jcri cannot start with; the message names the file, the key and what is expected. */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
