package dev.jcri.sandbox.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Asks a helper binary (crun, runc, conmon) for its version. */
public final class HelperVersions {

  private HelperVersions() {}

  /** The first line {@code binary --version} prints, or a short reason when it cannot be had. */
  public static String versionOf(Path binary) {
    if (!Files.isExecutable(binary)) {
      return "not found at " + binary;
    }
    try {
      Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
      p.getOutputStream().close();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "no answer from " + binary + " --version within 5 s";
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return out.lines().findFirst().orElse("").strip();
    } catch (IOException e) {
      return "cannot run " + binary + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
