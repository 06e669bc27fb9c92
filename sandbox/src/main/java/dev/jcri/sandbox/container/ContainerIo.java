package dev.jcri.sandbox.container;

import dev.jcri.common.DeadlineExceededException;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.sandbox.runtime.ExecOutputBudget;
import dev.jcri.sandbox.runtime.ExecResult;
import dev.jcri.sandbox.runtime.InteractiveExec;
import dev.jcri.sandbox.runtime.ContainerRuntime;
import dev.jcri.sandbox.runtime.TerminalSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A running container's I/O: ExecSync, exec and attach sessions, and reopening its log. */
final class ContainerIo {

  /**
   * The most of each ExecSync stream kept (the CVE-2022-1708 class: a probe printing forever): kubelet takes CRI
   * messages of at most 16 MiB, so stdout and stderr together stay below that.
   */
  static final int EXEC_OUTPUT_LIMIT = 8 * 1024 * 1024 - 4096;

  private final ContainerDirs dirs;
  /** What all ExecSync calls together hold of their output. */
  private final ExecOutputBudget execOutput = new ExecOutputBudget(ExecOutputBudget.DEFAULT_BYTES);

  ContainerIo(ContainerDirs dirs) {
    this.dirs = dirs;
  }

  ExecResult execSync(ContainerRecord c, ContainerRuntime runtime, List<String> command, long timeoutSeconds) {
    if (command.isEmpty()) {
      throw new InvalidArgumentException("ExecSync needs a command");
    }
    return runtime.execSync(c.id(), dirs.bundle(c.id()), command, timeoutSeconds, EXEC_OUTPUT_LIMIT, execOutput);
  }

  InteractiveExec execInteractive(ContainerRecord c, ContainerRuntime runtime, List<String> command, boolean tty,
      TerminalSize size, boolean stdin, boolean stdout, boolean stderr) {
    if (command.isEmpty()) {
      throw new InvalidArgumentException("exec needs a command");
    }
    return runtime.execInteractive(c.id(), dirs.bundle(c.id()), dirs.attach(), command, tty, size, stdin, stdout,
        stderr);
  }

  AttachConnection attach(ContainerRecord c) {
    try {
      return AttachConnection.open(dirs.bundle(c.id()));
    } catch (IOException e) {
      throw new FailedPreconditionException("attaching to " + c.id() + ": " + e.getMessage(), e);
    }
  }

  /** Makes conmon reopen the log file (after kubelet rotated it) and waits until the new file is there. */
  void reopenLog(ContainerRecord c) {
    Path ctl = dirs.bundle(c.id()).resolve("ctl");
    Path log = Path.of(c.logPath());
    try {
      Files.writeString(ctl, "2 0 0\n");
      // conmon reopens asynchronously; kubelet expects the new file to exist once the call returns.
      for (int i = 0; i < 500 && !Files.exists(log); i++) {
        Thread.sleep(10);
      }
    } catch (IOException e) {
      throw new FailedPreconditionException("asking conmon to reopen the log of " + c.id() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!Files.exists(log)) {
      throw new DeadlineExceededException("conmon did not reopen the log of " + c.id() + " at " + log);
    }
  }
}
