package dev.jcri.sandbox.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wrapper conmon runs the OCI runtime through, run by the node's /bin/sh against a stand-in runtime. */
class NoDevNullTest {

  @TempDir
  Path dir;

  /** A runtime that says what its stdin is, reads it to the end, prints its arguments and exits with 3. */
  private Path standInRuntime() throws IOException {
    Path runtime = dir.resolve("it's a runtime");
    Files.writeString(runtime, """
        #!/bin/sh
        readlink /proc/self/fd/0
        cat
        for a in "$@"; do echo "arg<$a>"; done
        exit 3
        """);
    Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
    return runtime;
  }

  private record Run(int exit, List<String> lines) {}

  private Run run(ProcessBuilder.Redirect stdin) throws Exception {
    Path wrapper = dir.resolve("crun.conmon-runtime");
    Files.writeString(wrapper, NoDevNull.script(standInRuntime().toString()));
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
    Process p = new ProcessBuilder(wrapper.toString(), "create", "--bundle", "/a b", "it's", "$HOME", "")
        .redirectInput(stdin).redirectErrorStream(true).start();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the runtime read its stdin to the end");
    return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
        .lines().toList());
  }

  @Test
  void aDevNullStdin_becomesAnEmptyPipe_andTheRuntimeGetsItsArgumentsAndExitCode() throws Exception {
    Run r = run(ProcessBuilder.Redirect.from(new File("/dev/null")));
    assertTrue(r.lines().getFirst().startsWith("pipe:["), "stdin is a pipe: " + r.lines());
    assertEquals(List.of("arg<create>", "arg<--bundle>", "arg</a b>", "arg<it's>", "arg<$HOME>", "arg<>"),
        r.lines().subList(1, r.lines().size()), "nothing read from stdin, the arguments as given");
    assertEquals(3, r.exit());
  }

  @Test
  void anyOtherStdin_isLeftAsItIs() throws Exception {
    Path input = Files.writeString(dir.resolve("input"), "from the caller\n");
    Run r = run(ProcessBuilder.Redirect.from(input.toFile()));
    assertEquals(input.toString(), r.lines().getFirst());
    assertEquals("from the caller", r.lines().get(1));
    assertEquals(3, r.exit());
  }
}
