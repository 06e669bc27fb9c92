package dev.jcri.sandbox.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.Fd;
import dev.jcri.common.HelperFailedException;
import dev.jcri.common.HelperProcess;
import dev.jcri.common.Ids;
import dev.jcri.common.Json;
import dev.jcri.common.Log;
import dev.jcri.common.MemFile;
import dev.jcri.common.Spawn;
import dev.jcri.common.UnavailableException;
import dev.jcri.sandbox.io.UnixSockets;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Processes started in a running container through {@code <runtime> exec}: ExecSync with bounded output and a
 * timeout that kills the command's whole tree, and interactive sessions on pipes or a terminal.
 */
final class OciExec {

  private static final Log LOG = Log.of(OciExec.class);
  private static final ObjectMapper JSON = Json.PLAIN;
  /** How long the runtime may take to hand over an exec's terminal. */
  private static final Duration TERMINAL_TIMEOUT = Duration.ofSeconds(30);

  private final String handler;
  private final ReadOnlyBinary binary;
  private final RuntimeOptions options;

  OciExec(String handler, ReadOnlyBinary binary, RuntimeOptions options) {
    this.handler = handler;
    this.binary = binary;
    this.options = options;
  }

  /** The descriptor the runtime gets its exec's process spec on, as {@code --process /proc/self/fd/3}. */
  static final int PROCESS_FD = 3;

  /**
   * The runtime's command line up to its {@code exec} command's options; the process spec comes in memory on
   * {@link #PROCESS_FD} (a probe's exec every few seconds wrote, closed and deleted a file on disk each time).
   */
  private List<String> execCommand(Path pidFile) {
    List<String> cmd = new ArrayList<>(List.of(binary.path().toString()));
    cmd.addAll(options.args());
    cmd.addAll(List.of("exec", "--pid-file", pidFile.toString(), "--process", MemFile.pathAs(PROCESS_FD)));
    return cmd;
  }

  /** The spec in a memory file; what goes wrong making it is the exec's failure to prepare. */
  private static MemFile processFile(Path bundle, List<String> command, TerminalSize terminal) {
    byte[] json = processJson(bundle, command, terminal);
    try {
      return MemFile.of("jcri-exec-process", json);
    } catch (IOException e) {
      throw new FailedPreconditionException("preparing the exec process of " + bundle + ": " + e.getMessage(), e);
    }
  }

  /** A pid file of its own for each exec, in the bundle (the container's directory). */
  private static Path pidFile(Path bundle) {
    return bundle.resolve("exec-" + Ids.newId().substring(0, 16) + ".pid");
  }

  /**
   * Runs {@code command} in the container through {@code <runtime> exec}, capturing up to {@code maxBytes}
   * of each stream (the rest is read and dropped, so a chatty command cannot fill the node's memory).
   */
  ExecResult execSync(String id, Path bundle, List<String> command, long timeoutSeconds, int maxBytes,
      ExecOutputBudget budget) {
    Path pidFile = pidFile(bundle);
    List<String> cmd = execCommand(pidFile);
    cmd.add(id);
    HelperProcess p;
    try (MemFile process = processFile(bundle, command, null)) {
      p = Spawn.of(cmd).fd(PROCESS_FD, process.fd()).stdinPipe().stdoutPipe().stderrPipe().start();
      NoDevNull.endInput(p);
    } catch (IOException e) {
      throw new HelperFailedException("running " + binary + " exec: " + e.getMessage(), e);
    }
    // A command may leave a background process holding its output open: once it exits, what was written
    // is read and the pipes closed, instead of waiting for that process.
    Fd stdoutPipe = p.stdoutFd();
    Fd stderrPipe = p.stderrFd();
    CompletableFuture<ExecResult.Output> out = CompletableFuture.supplyAsync(
        () -> bounded(stdoutPipe.inputStream(), maxBytes, budget), OciRuntime.SyncReaders.EXECUTOR);
    CompletableFuture<ExecResult.Output> err = CompletableFuture.supplyAsync(
        () -> bounded(stderrPipe.inputStream(), maxBytes, budget), OciRuntime.SyncReaders.EXECUTOR);
    boolean timedOut = false;
    try {
      if (timeoutSeconds > 0) {
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
          timedOut = true;
          // The command runs in the container's PID namespace; kill it by the pid the runtime recorded, with
          // what it started. The runtime's exec reaps it and ends; killed first, it would leave the command to
          // the container's PID 1, which may never reap it.
          killFromPidFile(pidFile);
          if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.kill();
            p.waitFor(10, TimeUnit.SECONDS);
          }
        }
      } else {
        p.waitFor();
      }
      ExecResult.Output[] output = collect(out, err, stdoutPipe, stderrPipe);
      int held = output[0].size() + output[1].size();
      boolean truncated = output[0].truncated() || output[1].truncated();
      if (truncated) {
        LOG.warn("exec output truncated", "id", id, "kept_bytes", held, "per_stream_limit", maxBytes,
            "budget_left", budget.available());
      }
      return new ExecResult(timedOut ? -1 : p.exitValue(), output[0], output[1], timedOut, truncated,
          () -> budget.release(held));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.kill();
      throw new UnavailableException("interrupted during exec in " + id, e);
    } catch (ExecutionException e) {
      throw new HelperFailedException("reading exec output of " + id + ": " + e.getMessage(), e);
    } finally {
      stdoutPipe.close();
      stderrPipe.close();
      deleteQuietly(pidFile);
    }
  }

  /**
   * What the pipes' readers got once the command exited: everything, when the pipes end with it, or what
   * came within a second, when something left behind still holds a pipe open.
   */
  private static ExecResult.Output[] collect(CompletableFuture<ExecResult.Output> out,
      CompletableFuture<ExecResult.Output> err,
      Fd... pipes) throws InterruptedException, ExecutionException {
    try {
      CompletableFuture.allOf(out, err).get(1, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      for (Fd pipe : pipes) {
        pipe.close();
      }
    }
    try {
      return new ExecResult.Output[] {out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS)};
    } catch (TimeoutException stillBlocked) {
      return new ExecResult.Output[] {out.getNow(ExecResult.Output.NONE), err.getNow(ExecResult.Output.NONE)};
    }
  }

  /**
   * Starts {@code command} in the container with its streams held by the caller: with {@code tty}, a terminal
   * whose master the runtime sends to a console socket in {@code socketDir}; otherwise the runtime process's
   * pipes, for the streams asked for (the others go to /dev/null). {@code size} is the terminal's initial size,
   * if known.
   */
  InteractiveExec execInteractive(String id, Path bundle, Path socketDir, List<String> command, boolean tty,
      TerminalSize size, boolean stdin, boolean stdout, boolean stderr) {
    Path pidFile = pidFile(bundle);
    List<String> cmd = execCommand(pidFile);
    Runnable killer = () -> killFromPidFile(pidFile);
    Runnable cleanup = () -> deleteQuietly(pidFile);
    if (!tty) {
      cmd.add(id);
      try (MemFile process = processFile(bundle, command, null)) {
        HelperProcess p = Spawn.of(cmd).fd(PROCESS_FD, process.fd()).stdinPipe().stdoutPipe().stderrPipe().start();
        if (!stdin) {
          NoDevNull.endInput(p);
        }
        if (!stdout) {
          NoDevNull.discard(p.stdoutFd());
        }
        if (!stderr) {
          NoDevNull.discard(p.stderrFd());
        }
        return InteractiveExec.withPipes(p, killer, cleanup);
      } catch (IOException e) {
        cleanup.run();
        throw new HelperFailedException("running " + binary + " exec: " + e.getMessage(), e);
      }
    }
    Path socket = socketDir.resolve("console-" + Ids.newId().substring(0, 16) + ".sock");
    Path errors = bundle.resolve(pidFile.getFileName().toString().replace(".pid", ".err"));
    try (UnixSockets.FdReceiver receiver = UnixSockets.FdReceiver.listen(socket);
        MemFile process = processFile(bundle, command, size == null ? new TerminalSize(0, 0) : size)) {
      cmd.addAll(List.of("--tty", "--console-socket", socket.toString(), id));
      HelperProcess p = Spawn.of(cmd).fd(PROCESS_FD, process.fd()).stdinPipe().stdoutPipe().stderrTo(errors)
          .start();
      NoDevNull.endInput(p);
      NoDevNull.discard(p.stdoutFd());
      Fd master;
      try {
        master = receiver.receive(TERMINAL_TIMEOUT, p::isAlive);
      } catch (IOException e) {
        p.kill();
        String why = Files.exists(errors) ? Files.readString(errors).strip() : "";
        Files.deleteIfExists(errors);
        cleanup.run();
        throw new HelperFailedException(handler + " exec with a terminal in " + id + " failed: "
            + (why.isEmpty() ? e.getMessage() : why), e);
      }
      Runnable cleanupAll = () -> {
        cleanup.run();
        try {
          Files.deleteIfExists(errors);
        } catch (IOException ignored) {
          // the bundle goes with the container
        }
      };
      return InteractiveExec.withTerminal(p, master, killer, cleanupAll);
    } catch (IOException e) {
      cleanup.run();
      throw new HelperFailedException("starting " + binary + " exec with a terminal: " + e.getMessage(), e);
    }
  }

  /**
   * The process section of each bundle's spec, kept while its config.json is unchanged: a probe's ExecSync every
   * few seconds otherwise parses the whole spec (its seccomp profile alone is tens of KiB) each time. Kept as
   * JSON text up to where an exec's own fields go (args, terminal, consoleSize), without its closing brace, so
   * an exec writes it out with those appended instead of copying and serialising a tree.
   */
  private record ProcessTemplate(long modified, long size, byte[] head) {}

  private static final Map<Path, ProcessTemplate> TEMPLATES = new ConcurrentHashMap<>();
  private static final int MAX_TEMPLATES = 1024;

  private static byte[] processHead(Path bundle) throws IOException {
    Path config = bundle.resolve("config.json");
    var attrs = Files.readAttributes(config, BasicFileAttributes.class);
    long modified = attrs.lastModifiedTime().toMillis();
    ProcessTemplate t = TEMPLATES.get(bundle);
    if (t == null || t.modified() != modified || t.size() != attrs.size()) {
      JsonNode spec = JSON.readTree(config.toFile());
      ObjectNode process = spec.path("process") instanceof ObjectNode o ? o.deepCopy() : JSON.createObjectNode();
      // what an exec sets itself, and the container's OOM score, which its execs do not take
      process.remove(List.of("args", "terminal", "consoleSize", "oomScoreAdj"));
      byte[] whole = JSON.writeValueAsBytes(process);
      t = new ProcessTemplate(modified, attrs.size(), Arrays.copyOf(whole, whole.length - 1));
      if (TEMPLATES.size() >= MAX_TEMPLATES) {
        TEMPLATES.clear(); // bundles of removed containers; the live ones come back at their next exec
      }
      TEMPLATES.put(bundle, t);
    }
    return t.head();
  }

  /**
   * The container's own process (user, groups, env, cwd, capabilities, no_new_privs) with other args, as
   * exec'd processes get it in containerd: the JSON for {@code exec --process}.
   */
  static byte[] processJson(Path bundle, List<String> command, TerminalSize terminal) {
    try {
      byte[] head = processHead(bundle);
      StringBuilder tail = new StringBuilder(head.length > 1 ? "," : "");
      tail.append("\"args\":").append(JSON.writeValueAsString(command)).append(",\"terminal\":")
          .append(terminal != null);
      if (terminal != null && terminal.valid()) {
        tail.append(",\"consoleSize\":{\"height\":").append(terminal.rows()).append(",\"width\":")
            .append(terminal.columns()).append('}');
      }
      tail.append('}');
      byte[] end = tail.toString().getBytes(StandardCharsets.UTF_8);
      byte[] json = Arrays.copyOf(head, head.length + end.length);
      System.arraycopy(end, 0, json, head.length, end.length);
      return json;
    } catch (IOException e) {
      throw new FailedPreconditionException("preparing the exec process of " + bundle + ": " + e.getMessage(), e);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // the bundle goes with the container
    }
  }

  /** Kills the exec'd process the runtime recorded and everything it started. */
  private static void killFromPidFile(Path pidFile) {
    try {
      ProcessTree.kill(Integer.parseInt(Files.readString(pidFile).strip()));
    } catch (IOException | NumberFormatException e) {
      LOG.debug("exec process already gone", "pid_file", pidFile);
    }
  }

  /**
   * Reads {@code in} to its end, keeping at most {@code max} bytes and only what {@code budget} gives (taken
   * chunk by chunk before it is kept); the rest is read and dropped, so the command never blocks on a full pipe.
   */
  private static ExecResult.Output bounded(InputStream in, int max, ExecOutputBudget budget) {
    List<byte[]> chunks = new ArrayList<>();
    int kept = 0;
    boolean truncated = false;
    try (in) {
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = in.read(buf)) > 0) {
        int keep = Math.min(max - kept, n);
        if (keep > 0 && budget.take(keep)) {
          chunks.add(Arrays.copyOf(buf, keep));
          kept += keep;
        } else {
          keep = 0;
        }
        truncated |= keep < n;
      }
    } catch (IOException e) {
      // what was read stands
    }
    return new ExecResult.Output(chunks, kept, truncated);
  }

}
