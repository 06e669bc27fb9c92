package dev.jcri.image.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;

/**
 * What of a registry's bytes may appear in an error: errors reach kubelet's pod events, so a parse error names
 * where the document broke, never what it said (Jackson's own message quotes the source).
 */
public final class Untrusted {

  private Untrusted() {}

  /** " (at line L, column C)" for a parse error, or "" when it carries no location. */
  public static String at(IOException e) {
    if (e instanceof JsonProcessingException j && j.getLocation() != null) {
      return " (at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ")";
    }
    return "";
  }

  /** {@code s} cut to {@code max} characters, with everything outside printable ASCII as '?'. */
  public static String printable(String s, int max) {
    String cut = s.length() > max ? s.substring(0, max) + "..." : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
