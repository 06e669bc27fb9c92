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
    String text = script(runtime);
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

  /**
   * The wrapper's text. It costs the runtime's start next to nothing (measured: {@code crun --version} through it
   * 4.6 ms, directly 4.7; through the first version, which asked readlink and piped {@code :} into a child
   * runtime, 8.0): the shell's own test compares stdin with /dev/null ({@code -ef}: same device and inode), and
   * the empty pipe is an empty here-document (a pipe in dash and in bash's small here-documents; were it a
   * temporary file, it would be a deleted one of jcri's), so the runtime is exec'd in both cases and no process
   * is forked.
   */
  static String script(String runtime) {
    return "#!/bin/sh\n"
        + "# Written by jcri: the container gets an empty pipe where conmon would give it the node's /dev/null.\n"
        + "if [ /proc/self/fd/0 -ef /dev/null ]; then\n"
        + "  exec " + quote(runtime) + " \"$@\" <<'JCRI_EMPTY'\n"
        + "JCRI_EMPTY\n"
        + "fi\n"
        + "exec " + quote(runtime) + " \"$@\"\n";
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
