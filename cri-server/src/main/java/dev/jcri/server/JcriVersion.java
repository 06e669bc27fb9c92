package dev.jcri.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** jcri's own version and the CRI it speaks. */
public final class JcriVersion {

  public static final String RUNTIME_NAME = "jcri";
  public static final String CRI_API_VERSION = "v1";
  /** The upstream cri-api commit the proto module restates (see proto/UPSTREAM.md). */
  public static final String CRI_API_UPSTREAM = "kubernetes/cri-api 791729b, kubernetes-1.37.0-beta.0+8";

  private static final String VERSION = load();

  private JcriVersion() {}

  public static String version() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = JcriVersion.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
