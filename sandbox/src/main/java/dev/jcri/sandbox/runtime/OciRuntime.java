package dev.jcri.sandbox.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.common.DeadlineExceededException;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.Fd;
import dev.jcri.common.HelperFailedException;
import dev.jcri.common.HelperProcess;
import dev.jcri.common.Json;
import dev.jcri.common.Libc;
import dev.jcri.common.Log;
import dev.jcri.common.Spawn;
import dev.jcri.common.UnavailableException;
import dev.jcri.sandbox.node.HelperVersions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One OCI runtime handler (crun, runc: the same command line) and conmon, which holds each container's
 * stdio, writes its CRI log and records its exit code, so containers outlive a restart of jcri.
 */
public final class OciRuntime implements ContainerRuntime {

  private static final Log LOG = Log.of(OciRuntime.class);
  private static final ObjectMapper JSON = Json.PLAIN;
  private static final long CREATE_TIMEOUT_SECONDS = 120;
  private static final int O_RDWR = 2;
  private static final int O_NONBLOCK = 04000;

  private final String handler;
  private final ReadOnlyBinary binary;
  private final RuntimeOptions options;
  private final Path conmon;
  private final OciExec exec;
  /** Whether the runtime is crun (started through its exec FIFO); learnt at the first start. */
  private volatile Boolean crun;
  /** Guarded by this: what conmon runs (NoDevNull's wrapper), and the runtime path it was written for. */
  private ReadOnlyBinary conmonRuntime;
  private String conmonRuntimeFor;

  public OciRuntime(String handler, ReadOnlyBinary binary, RuntimeOptions options, Path conmon) {
    this.handler = handler;
    this.binary = binary;
    this.options = options;
    this.conmon = conmon;
    this.exec = new OciExec(handler, binary, options);
  }

  /** Removes the runtime's read-only mount and its wrapper's. */
  @Override
  public synchronized void close() {
    if (conmonRuntime != null) {
      conmonRuntime.close();
      conmonRuntime = null;
    }
    binary.close();
  }

  /** The wrapper conmon runs the runtime through, written again when the runtime's path to run changed. */
  private synchronized String conmonRuntime() {
    String runtime = binary();
    if (conmonRuntime == null || !runtime.equals(conmonRuntimeFor)) {
      if (conmonRuntime != null) {
        conmonRuntime.close();
      }
      conmonRuntime = NoDevNull.wrapper(binary.mountPoint().getParent(), handler, runtime);
      conmonRuntimeFor = runtime;
    }
    return conmonRuntime.path().toString();
  }

  /** The runtime executable to run now (its read-only mount when there is one). */
  private String binary() {
    return binary.path().toString();
  }

  @Override
  public String handler() {
    return handler;
  }

  /**
   * Has conmon create the container (it runs {@code <runtime> create}) and returns the container's pid. The
   * sync pipe conmon reports on is a FIFO in the bundle: jcri holds its reading end and hands conmon a
   * read-write descriptor as fd 3, so a conmon that dies without reporting is seen at once (end of stream),
   * and a jcri that dies before reading never blocks conmon.
   */
  @Override
  public int create(CreateRequest r) {
    Path fifo = r.bundle().resolve("sync.fifo");
    try {
      Files.deleteIfExists(fifo);
      Libc.INSTANCE.mkfifo(fifo.toString(), 0600);
    } catch (IOException | RuntimeException e) {
      throw new FailedPreconditionException("making the conmon sync pipe " + fifo + ": " + e.getMessage(), e);
    }
    List<String> cmd = new ArrayList<>(List.of(conmon.toString(),
        "--api-version", "1", "-c", r.id(), "-u", r.id(), "-r", conmonRuntime(), "-b", r.bundle().toString(),
        "-p", r.bundle().resolve("pidfile").toString(), "-n", r.name(),
        "--exit-dir", r.exitDir().toString(), "-l", "k8s-file:" + r.logPath(), "--log-level", "error",
        "--socket-dir-path", r.attachDir().toString(), "-P", r.bundle().resolve("conmon.pid").toString(),
        "-0", r.bundle().toString()));
    cmd.addAll(options.conmonArgs());
    if (r.stdin()) {
      cmd.add("-i");
      if (!r.stdinOnce()) {
        cmd.add("--leave-stdin-open");
      }
    }
    if (r.tty()) {
      cmd.add("-t");
    }
    // conmon reports the container's pid on fd 3. It gets the FIFO opened read-write, which never blocks: if
    // jcri dies before reading, conmon still goes on (and the restart removes the unrecorded container).
    // conmon writes an "oom" marker into its working directory as well as into -0: keep it in the bundle.
    HelperProcess p;
    int syncFd;
    Fd reader;
    try {
      reader = new Fd(Libc.INSTANCE.open(fifo.toString(), Libc.O_RDONLY | O_NONBLOCK | Libc.O_CLOEXEC));
      try {
        syncFd = Libc.INSTANCE.open(fifo.toString(), O_RDWR | Libc.O_CLOEXEC);
      } catch (com.sun.jna.LastErrorException e) {
        reader.close();
        throw e;
      }
    } catch (com.sun.jna.LastErrorException e) {
      throw new FailedPreconditionException("opening the conmon sync pipe " + fifo + ": " + Libc.describe(e), e);
    }
    try {
      // Its own output goes to a file: the daemonised conmon may hold it long after the first process exits.
      p = Spawn.of(cmd).env("_OCI_SYNCPIPE", "3").fd(3, syncFd).dir(r.bundle())
          .stdoutTo(r.bundle().resolve("conmon.out")).stderrToStdout().start();
    } catch (IOException e) {
      reader.close();
      throw new HelperFailedException("starting conmon (" + conmon + "): " + e.getMessage(), e);
    } finally {
      Libc.INSTANCE.close(syncFd);
    }
    CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(reader.inputStream(),
          StandardCharsets.UTF_8))) {
        return in.readLine();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        reader.close();
      }
    }, SyncReaders.EXECUTOR);
    try {
      String sync = line.get(CREATE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      String conmonOutput = drain(p, r.bundle().resolve("conmon.out"));
      if (sync == null) {
        throw new HelperFailedException("conmon exited without reporting on " + r.id() + ": " + conmonOutput);
      }
      JsonNode j = JSON.readTree(sync);
      int pid = j.path("data").asInt(-1);
      if (pid <= 0) {
        // The runtime ran and refused this container (its spec, its image, a mount): the request's state, not a
        // broken helper.
        throw new FailedPreconditionException(handler + " could not create the container: "
            + j.path("message").asText(sync).strip());
      }
      return pid;
    } catch (TimeoutException e) {
      reader.close();
      p.kill();
      throw new DeadlineExceededException("conmon did not report on " + r.id() + " within " + CREATE_TIMEOUT_SECONDS
          + " s", e);
    } catch (ExecutionException e) {
      throw new HelperFailedException("reading conmon's sync pipe: " + e.getCause().getMessage(), e);
    } catch (IOException e) {
      throw new HelperFailedException("conmon's report is not JSON: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while creating " + r.id(), e);
    } finally {
      try {
        Files.deleteIfExists(fifo);
      } catch (IOException ignored) {
        // the bundle goes with the container
      }
    }
  }

  /** Waits for conmon's first process (the daemonised one goes on) and returns what it printed. */
  private static String drain(HelperProcess p, Path output) {
    try {
      p.waitFor(10, TimeUnit.SECONDS);
      String printed = Files.readString(output).strip();
      Files.deleteIfExists(output);
      return printed;
    } catch (IOException | InterruptedException e) {
      return "";
    }
  }

  /**
   * Runs a container detached without conmon (the pod infra process, which has no output to keep) and
   * returns its pid.
   */
  @Override
  public int runDetached(String id, Path bundle) {
    Path pidFile = bundle.resolve("init.pid");
    List<String> cmd = new ArrayList<>(List.of(binary()));
    cmd.addAll(options.args());
    cmd.addAll(List.of("run", "--detach", "--pid-file", pidFile.toString(), "--bundle", bundle.toString(), id));
    Path log = bundle.resolve("runtime.log");
    try {
      // Files of the bundle, not the node's /dev/null: crun chowns a user-namespaced process's stdio to its root.
      HelperProcess p = Spawn.of(cmd).stdinFrom(bundle.resolve("stdin")).stdoutTo(bundle.resolve("stdout"))
          .stderrTo(log).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.kill();
        throw new DeadlineExceededException(handler + " run " + id + " did not finish in 60 s");
      }
      if (p.exitValue() != 0) {
        throw new HelperFailedException(handler + " run " + id + " failed: " + Files.readString(log).strip());
      }
      return Integer.parseInt(Files.readString(pidFile).strip());
    } catch (IOException | NumberFormatException e) {
      throw new HelperFailedException(handler + " run " + id + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while running " + id, e);
    }
  }

  /** Lets a created container run its process: crun's exec FIFO is written directly, others run {@code start}. */
  @Override
  public void start(String id) {
    if (isCrun()) {
      CrunStarter.start(options.root(), id);
    } else {
      run("start", List.of("start", id), 60);
    }
  }

  private boolean isCrun() {
    Boolean known = crun;
    if (known == null) {
      known = HelperVersions.versionOf(binary.path()).startsWith("crun version");
      crun = known;
    }
    return known;
  }

  /** Sends a signal to the container's init process; a container already gone is no error. */
  @Override
  public void kill(String id, String signal) {
    Result r = exec(List.of("kill", id, signal), 30);
    if (r.code() != 0 && !gone(r.output())) {
      throw new HelperFailedException(handler + " kill " + signal + " " + id + " failed: " + r.output());
    }
  }

  /** Forgets the container (killing what is left); a container already gone is no error. */
  @Override
  public void delete(String id) {
    Result r = exec(List.of("delete", "--force", id), 60);
    if (r.code() != 0 && !gone(r.output())) {
      throw new HelperFailedException(handler + " delete " + id + " failed: " + r.output());
    }
  }

  /**
   * Runs {@code command} in the container through {@code <runtime> exec}, capturing up to {@code maxBytes}
   * of each stream (the rest is read and dropped, so a chatty command cannot fill the node's memory).
   */
  @Override
  public ExecResult execSync(String id, Path bundle, List<String> command, long timeoutSeconds, int maxBytes,
      ExecOutputBudget budget) {
    return exec.execSync(id, bundle, command, timeoutSeconds, maxBytes, budget);
  }

  /**
   * Starts {@code command} in the container with its streams held by the caller: with {@code tty}, a terminal
   * whose master the runtime sends to a console socket in {@code socketDir}; otherwise the runtime process's
   * pipes, for the streams asked for (the others go to /dev/null). {@code size} is the terminal's initial size,
   * if known.
   */
  @Override
  public InteractiveExec execInteractive(String id, Path bundle, Path socketDir, List<String> command, boolean tty,
      TerminalSize size, boolean stdin, boolean stdout, boolean stderr) {
    return exec.execInteractive(id, bundle, socketDir, command, tty, size, stdin, stdout, stderr);
  }

  private static boolean gone(String output) {
    String o = output.toLowerCase(Locale.ROOT);
    return o.contains("does not exist") || o.contains("not found") || o.contains("no such") || o.contains("not running")
        || o.contains("process already finished") || o.contains("container not running");
  }

  @Override
  public void checkpoint(String id, Path imagePath, Path workPath, long timeoutSeconds) {
    Result r = exec(List.of("checkpoint", "--image-path", imagePath.toString(), "--work-path", workPath.toString(),
        "--leave-running", id), timeoutSeconds);
    if (r.code() != 0 && r.output().contains("unknown command checkpoint")) {
      throw new FailedPreconditionException(handler + " cannot checkpoint: it is built without CRIU (" + r.output()
          + "); checkpoint with a runtime handler that has it, such as runc with criu installed");
    }
    if (r.code() != 0) {
      // CRIU says why in its own log; the runtime's message alone rarely does.
      String criu = "";
      Path log = workPath.resolve("dump.log");
      try {
        if (Files.isRegularFile(log)) {
          List<String> errors = Files.readAllLines(log).stream().filter(l -> l.contains("Error")).toList();
          criu = String.join("; ", errors.subList(Math.max(0, errors.size() - 3), errors.size()));
        }
      } catch (IOException ignored) {
        // the runtime's words stand alone
      }
      throw new HelperFailedException(handler + " checkpoint of " + id + " failed: " + r.output()
          + (criu.isEmpty() ? "" : " (CRIU: " + criu + ")"));
    }
  }

  private void run(String what, List<String> args, long timeoutSeconds) {
    Result r = exec(args, timeoutSeconds);
    if (r.code() != 0) {
      throw new HelperFailedException(handler + " " + what + " failed: " + r.output());
    }
  }

  private record Result(int code, String output) {}

  private Result exec(List<String> args, long timeoutSeconds) {
    List<String> cmd = new ArrayList<>(List.of(binary()));
    cmd.addAll(options.args());
    cmd.addAll(args);
    try {
      HelperProcess p = Spawn.of(cmd).stdoutPipe().stderrToStdout().start();
      byte[] out;
      try (InputStream in = p.stdout()) {
        out = in.readAllBytes();
      }
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.kill();
        return new Result(-1, "timed out after " + timeoutSeconds + " s");
      }
      LOG.debug("runtime", "handler", handler, "args", args, "exit", p.exitValue());
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      throw new HelperFailedException("running " + binary + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while running " + binary, e);
    }
  }

  /** Platform threads that read pipes of helper processes. */
  static final class SyncReaders {
    static final ExecutorService EXECUTOR = Executors.newCachedThreadPool(
        Thread.ofPlatform().name("helper-io-", 0).daemon().factory());

    private SyncReaders() {}
  }
}
