package dev.jcri.server.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** jcri as its users run it: the packaged jar in a process of its own. */
public final class JcriProcess implements AutoCloseable {

  /** The jar `mvn package` builds, with its lib/ beside it. */
  static final Path JAR = Path.of("target/jcri.jar").toAbsolutePath();

  private final Process process;
  private final Path output;
  private final Path workDir;

  private JcriProcess(Process process, Path output, Path workDir) {
    this.process = process;
    this.output = output;
    this.workDir = workDir;
  }

  public static JcriProcess start(Path workDir, String... args) throws IOException {
    return start(workDir, java.util.Map.of(), args);
  }

  /** Starts jcri with extra environment variables. */
  public static JcriProcess start(Path workDir, java.util.Map<String, String> env, String... args) throws IOException {
    Files.createDirectories(workDir);
    Path out = Files.createTempFile(workDir, "jcri-", ".log");
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    pb.environment().putAll(env);
    Process p = pb.start();
    return new JcriProcess(p, out, workDir);
  }

  /**
   * Starts jcri through its launcher, as a node runs it: the launcher's JVM flags (a 256 MiB heap, exit on
   * OutOfMemoryError), the jar and lib/ that `mvn package` built.
   */
  public static JcriProcess launch(Path workDir, String... args) throws IOException {
    return launch(workDir, java.util.Map.of(), args);
  }

  /** As {@link #launch(Path, String...)}, with extra environment variables (JCRI_JAVA_OPTS adds JVM flags). */
  public static JcriProcess launch(Path workDir, java.util.Map<String, String> env, String... args)
      throws IOException {
    Files.createDirectories(workDir);
    Path out = Files.createTempFile(workDir, "jcri-", ".log");
    List<String> cmd = new ArrayList<>(List.of(Path.of("src/dist/jcri").toAbsolutePath().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    pb.environment().put("JCRI_HOME", JAR.getParent().toString());
    pb.environment().put("JCRI_JAVA", ProcessHandle.current().info().command().orElse("java"));
    pb.environment().putAll(env);
    return new JcriProcess(pb.start(), out, workDir);
  }

  /** The process's resident set now and at its peak, in KiB (VmRSS and VmHWM of /proc/PID/status). */
  public long[] rssKib() throws IOException {
    long rss = 0;
    long peak = 0;
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
      } else if (line.startsWith("VmHWM:")) {
        peak = Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return new long[] {rss, peak};
  }

  /** Runs a command to its end; returns its exit code and output. */
  public static Result run(Path workDir, String... args) throws IOException, InterruptedException {
    try (JcriProcess p = start(workDir, args)) {
      if (!p.process.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("jcri " + String.join(" ", args) + " did not finish:\n" + p.output());
      }
      return new Result(p.process.exitValue(), p.output());
    }
  }

  public record Result(int exitCode, String output) {}

  public Process process() {
    return process;
  }

  public String output() throws IOException {
    return Files.readString(output, StandardCharsets.UTF_8);
  }

  /** Waits until {@code socket} accepts connections, failing with the process output if it dies first. */
  public void awaitSocket(Path socket, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("jcri exited with " + process.exitValue() + " before serving:\n" + output());
      }
      if (Files.exists(socket) && output().contains("serving the CRI")) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("jcri did not serve " + socket + " within " + timeout + ":\n" + output());
  }

  /** SIGTERM, then waits; returns the exit code. */
  public int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      kill();
      throw new AssertionError("jcri ignored SIGTERM for 30 s");
    }
    return process.exitValue();
  }

  /** Kills jcri if it still runs (a test that failed while it did). */
  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }

  /**
   * SIGKILL. A killed jcri cannot unmount the runtime binaries it bound into its state dir (a jcri started again
   * binds them again), so those under the test's directory are unmounted here: a failed test leaves no mount.
   * Pods' mounts stay, for the tests that start jcri again on them.
   */
  private void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
      for (String mountPoint : MountTable.under(workDir.toAbsolutePath()).stream()
          .filter(MountTable::isRuntimeBinary).toList()) {
        new ProcessBuilder("umount", "-l", mountPoint).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
