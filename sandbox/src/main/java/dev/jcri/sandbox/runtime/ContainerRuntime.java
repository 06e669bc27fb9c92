package dev.jcri.sandbox.runtime;

import java.nio.file.Path;
import java.util.List;

/**
 * One runtime handler: what pods and containers ask of an OCI runtime and its monitor. {@link OciRuntime} is
 * the real one (crun or runc under conmon); the unit tests put fakes here.
 */
public interface ContainerRuntime extends AutoCloseable {

  /** What conmon needs to create one container. */
  record CreateRequest(String id, String name, Path bundle, Path logPath, Path exitDir, Path attachDir,
      boolean stdin, boolean stdinOnce, boolean tty) {}

  /** The handler's name, as RunPodSandbox names it. */
  String handler();

  /** Creates the container under its monitor and returns the container's pid. */
  int create(CreateRequest request);

  /** Runs a container detached, without a monitor (a pod's infra process); returns its pid. */
  int runDetached(String id, Path bundle);

  /** Lets a created container run its process. */
  void start(String id);

  /** Sends a signal to the container's init process; a container already gone is no error. */
  void kill(String id, String signal);

  /** Forgets the container (killing what is left); a container already gone is no error. */
  void delete(String id);

  /** Runs {@code command} in the container, keeping at most {@code maxBytes} of each stream. */
  ExecResult execSync(String id, Path bundle, List<String> command, long timeoutSeconds, int maxBytes,
      ExecOutputBudget budget);

  /** Starts {@code command} in the container for a streaming session. */
  InteractiveExec execInteractive(String id, Path bundle, Path socketDir, List<String> command, boolean tty,
      TerminalSize size, boolean stdin, boolean stdout, boolean stderr);

  /**
   * Checkpoints the running container with CRIU into {@code imagePath} (its images), CRIU's log and work files in
   * {@code workPath}, leaving it running.
   */
  void checkpoint(String id, Path imagePath, Path workPath, long timeoutSeconds);

  /** Releases what the handler holds (its read-only binary mount). */
  @Override
  void close();
}
