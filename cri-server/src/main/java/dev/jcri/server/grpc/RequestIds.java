package dev.jcri.server.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.LinkedHashMap;
import java.util.Map;

/** Picks the identifiers worth a log field or span attribute out of a CRI request. */
final class RequestIds {

  private RequestIds() {}

  static Map<String, String> of(Object request) {
    Map<String, String> ids = new LinkedHashMap<>();
    if (!(request instanceof Message m)) {
      return ids;
    }
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      if (f.getType() == FieldDescriptor.Type.STRING && !f.isRepeated() && f.getName().endsWith("_id")) {
        put(ids, f.getName(), (String) m.getField(f));
      }
    }
    put(ids, "image", text(m, "image", "image"));
    put(ids, "name", text(m, "config", "metadata", "name"));
    put(ids, "namespace", text(m, "config", "metadata", "namespace"));
    return ids;
  }

  /** The string at a path of singular fields, or "" when any step is missing. */
  private static String text(Message m, String... path) {
    Message at = m;
    for (int i = 0; i < path.length; i++) {
      FieldDescriptor f = at.getDescriptorForType().findFieldByName(path[i]);
      if (f == null || f.isRepeated()) {
        return "";
      }
      boolean last = i == path.length - 1;
      if (last) {
        return f.getType() == FieldDescriptor.Type.STRING ? (String) at.getField(f) : "";
      }
      if (f.getType() != FieldDescriptor.Type.MESSAGE || !at.hasField(f)) {
        return "";
      }
      at = (Message) at.getField(f);
    }
    return "";
  }

  private static void put(Map<String, String> ids, String key, String value) {
    if (!value.isEmpty()) {
      ids.put(key, value.length() > 128 ? value.substring(0, 128) + "..." : value);
    }
  }
}
