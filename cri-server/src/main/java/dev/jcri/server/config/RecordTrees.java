package dev.jcri.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The configuration records to and from a TOML tree, by their components (snake_case keys; enums by their
 * lower-case names), strictly: no coercion between strings, numbers and booleans, no unknown key. It does by
 * hand what Jackson's data binding did, which on a cold JVM spent ~200 ms of jcri's start-up introspecting
 * the records; an error names the key path and what was expected, as before.
 */
final class RecordTrees {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** A value that does not fit: the key path and the message after it. */
  static final class BindException extends RuntimeException {
    BindException(String message) {
      super(message, null, false, false);
    }
  }

  private RecordTrees() {}

  static ObjectNode toTree(Record r) {
    return (ObjectNode) node(r);
  }

  private static JsonNode node(Object v) {
    return switch (v) {
      case null -> NODES.nullNode();
      case String s -> NODES.textNode(s);
      case Integer i -> NODES.numberNode(i);
      case Long l -> NODES.numberNode(l);
      case Boolean b -> NODES.booleanNode(b);
      case Enum<?> e -> NODES.textNode(e.name().toLowerCase(Locale.ROOT));
      case List<?> list -> {
        ArrayNode a = NODES.arrayNode();
        list.forEach(e -> a.add(node(e)));
        yield a;
      }
      case Map<?, ?> map -> {
        ObjectNode o = NODES.objectNode();
        map.forEach((k, e) -> o.set(String.valueOf(k), node(e)));
        yield o;
      }
      case Record rec -> {
        ObjectNode o = NODES.objectNode();
        for (RecordComponent c : rec.getClass().getRecordComponents()) {
          try {
            o.set(snake(c.getName()), node(c.getAccessor().invoke(rec)));
          } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("reading " + c, e);
          }
        }
        yield o;
      }
      default -> throw new IllegalArgumentException("no TOML form for " + v.getClass());
    };
  }

  /** Binds {@code tree} to {@code type}; BindException names the first key that does not fit. */
  static <T extends Record> T bind(JsonNode tree, Class<T> type) {
    return type.cast(value(tree, type, ""));
  }

  private static Object value(JsonNode n, Type type, String path) {
    Class<?> raw = raw(type);
    if (raw == String.class) {
      if (!n.isTextual()) {
        throw mismatch(path, "a string", n);
      }
      return n.asText();
    }
    if (raw == int.class || raw == Integer.class) {
      if (!n.isIntegralNumber() || !n.canConvertToInt()) {
        throw mismatch(path, "a whole number", n);
      }
      return n.intValue();
    }
    if (raw == long.class || raw == Long.class) {
      if (!n.isIntegralNumber() || !n.canConvertToLong()) {
        throw mismatch(path, "a whole number", n);
      }
      return n.longValue();
    }
    if (raw == boolean.class || raw == Boolean.class) {
      if (!n.isBoolean()) {
        throw mismatch(path, "true or false", n);
      }
      return n.booleanValue();
    }
    if (raw.isEnum()) {
      String names = Arrays.stream(raw.getEnumConstants()).map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT))
          .collect(Collectors.joining(", "));
      if (n.isTextual()) {
        for (Object c : raw.getEnumConstants()) {
          if (((Enum<?>) c).name().toLowerCase(Locale.ROOT).equals(n.asText())) {
            return c;
          }
        }
      }
      throw mismatch(path, "one of " + names, n);
    }
    if (List.class.isAssignableFrom(raw)) {
      if (!n.isArray()) {
        throw mismatch(path, "an array", n);
      }
      Type element = ((ParameterizedType) type).getActualTypeArguments()[0];
      List<Object> out = new ArrayList<>();
      for (int i = 0; i < n.size(); i++) {
        out.add(value(n.get(i), element, path + "[" + i + "]"));
      }
      return out;
    }
    if (Map.class.isAssignableFrom(raw)) {
      if (!n.isObject()) {
        throw mismatch(path, "a table", n);
      }
      Type element = ((ParameterizedType) type).getActualTypeArguments()[1];
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : n.properties()) {
        out.put(e.getKey(), value(e.getValue(), element, join(path, e.getKey())));
      }
      return out;
    }
    if (raw.isRecord()) {
      if (!n.isObject()) {
        throw mismatch(path, "a table", n);
      }
      return record(n, raw, path);
    }
    throw new IllegalStateException("no binding for " + type);
  }

  private static Object record(JsonNode n, Class<?> type, String path) {
    RecordComponent[] components = type.getRecordComponents();
    Map<String, RecordComponent> byKey = new LinkedHashMap<>();
    for (RecordComponent c : components) {
      byKey.put(snake(c.getName()), c);
    }
    for (String key : (Iterable<String>) n::fieldNames) {
      if (!byKey.containsKey(key)) {
        throw new BindException("unknown key '" + join(path, key) + "' (known keys here: "
            + String.join(", ", new TreeSet<>(byKey.keySet())) + ")");
      }
    }
    Object[] args = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      RecordComponent c = components[i];
      types[i] = c.getType();
      String key = snake(c.getName());
      JsonNode v = n.get(key);
      if (v == null) {
        args[i] = c.getType().isPrimitive() ? primitiveZero(c.getType()) : null;
      } else {
        args[i] = value(v, c.getGenericType(), join(path, key));
      }
    }
    try {
      Constructor<?> canonical = type.getDeclaredConstructor(types);
      canonical.setAccessible(true);
      return canonical.newInstance(args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IllegalArgumentException iae) {
        throw new BindException(iae.getMessage());
      }
      throw new IllegalStateException("making " + type.getSimpleName(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("making " + type.getSimpleName(), e);
    }
  }

  private static Object primitiveZero(Class<?> type) {
    if (type == boolean.class) {
      return false;
    }
    if (type == long.class) {
      return 0L;
    }
    return 0;
  }

  private static BindException mismatch(String path, String expected, JsonNode got) {
    return new BindException("key '" + path + "': expected " + expected + ", got "
        + (got.isTextual() ? "\"" + got.asText() + "\"" : got.toString()));
  }

  private static Class<?> raw(Type t) {
    return t instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) t;
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** camelCase to snake_case, as Jackson's SNAKE_CASE strategy names record components. */
  static String snake(String name) {
    StringBuilder b = new StringBuilder(name.length() + 4);
    for (int i = 0; i < name.length(); i++) {
      char ch = name.charAt(i);
      if (Character.isUpperCase(ch)) {
        if (i > 0) {
          b.append('_');
        }
        b.append(Character.toLowerCase(ch));
      } else {
        b.append(ch);
      }
    }
    return b.toString();
  }
}
