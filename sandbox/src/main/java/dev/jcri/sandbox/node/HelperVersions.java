package dev.jcri.sandbox.node;

import dev.jcri.common.HelperProcess;
import dev.jcri.common.Spawn;
import java.io.IOException;
import java.io.InputStream;
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
      HelperProcess p = Spawn.of(binary.toString(), "--version").stdoutPipe().stderrToStdout().start();
      String out;
      try (InputStream in = p.stdout()) {
        out = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.kill();
        return "no answer from " + binary + " --version within 5 s";
      }
      return out.lines().findFirst().orElse("").strip();
    } catch (IOException e) {
      return "cannot run " + binary + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
