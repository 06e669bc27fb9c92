package dev.jcri.common;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The JSON mappers jcri uses, one per dialect. A mapper is thread-safe once configured and keeps caches of what
 * it has learned about each type, so they are shared rather than made per class.
 */
public final class Json {

  /** Plain JSON: OCI specs, helper output (CNI, runtimes), registry documents, image configs. */
  public static final ObjectMapper PLAIN = new ObjectMapper();

  /**
   * jcri's own records on disk: java.time values are numbers, and properties a newer jcri added are skipped,
   * so a downgrade still reads them.
   */
  public static final ObjectMapper RECORDS = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  /** The verbose info maps of the status RPCs, in the snake_case crictl users know from containerd. */
  public static final ObjectMapper SNAKE_CASE = JsonMapper.builder()
      .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .build();

  private Json() {}
}
