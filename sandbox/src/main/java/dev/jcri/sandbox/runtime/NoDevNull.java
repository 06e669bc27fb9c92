package dev.jcri.sandbox.runtime;

import dev.jcri.common.Fd;
import dev.jcri.common.HelperProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The runtime never gets the node's /dev/null as a standard stream of a container's process. crun 1.8 hands a
 * process its stdio by chowning those descriptors to the process's user (runc leaves /dev/null alone): with
 * /dev/null among them, an exec as uid 1000 made the node's /dev/null that uid's, and so did every container of a
 * user-namespaced pod (its root's node uid); a test found it. Streams jcri starts the runtime with are pipes
 * instead (stdin ends at once, output is read and dropped); conmon, which gives a container without stdin the
 * node's /dev/null, starts the runtime through a wrapper that gives it an empty pipe instead.
 */
final class NoDevNull {

  private NoDevNull() {}

  /**
   * The runtime for conmon to run: a wrapper that replaces a /dev/null stdin by an empty pipe (end of file at once,
   * as /dev/null gives) and runs {@code runtime} with the same arguments. One per handler, written beside the
   * runtime's own mount in {@code dir} and executed through a read-only bind mount of itself: jcri's state is
   * under /run, which systemd mounts noexec, where a script could not run (conmon refuses a runtime it cannot
   * execute); a bind mount has flags of its own.
   */
  static ReadOnlyBinary wrapper(Path dir, String handler, String runtime) {
    Path script = dir.resolve(handler + ".conmon-runtime.sh");
    String text = "#!/bin/sh\n"
        + "# Written by jcri: the container gets an empty pipe where conmon would give it the node's /dev/null.\n"
        + "if [ \"$(readlink /proc/self/fd/0)\" = /dev/null ]; then\n"
        + "  : | " + quote(runtime) + " \"$@\"\n"
        + "  exit $?\n"
        + "fi\n"
        + "exec " + quote(runtime) + " \"$@\"\n";
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve(script.getFileName() + ".new");
      Files.writeString(tmp, text);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
      Files.move(tmp, script, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + script, e);
    }
    return ReadOnlyBinary.bind(script, dir.resolve(handler + ".conmon-runtime"));
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /** Closes the exec's stdin pipe: it reads end of file, as from /dev/null. */
  static void endInput(HelperProcess p) throws IOException {
    p.stdin().close();
  }

  /** Reads and drops what the exec writes to {@code pipe}, as /dev/null would. */
  static void discard(Fd pipe) {
    Thread.ofVirtual().name("exec-discard").start(() -> {
      try (InputStream in = pipe.inputStream()) {
        in.transferTo(OutputStream.nullOutputStream());
      } catch (IOException ignored) {
        // the exec ended
      } finally {
        pipe.close();
      }
    });
  }
}
