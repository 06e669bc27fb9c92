package dev.jcri.sandbox.container;

import dev.jcri.sandbox.io.Fd;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A command running in a container with its streams held by jcri: pipes, or with a terminal, the terminal's
 * master (stdout then carries both output streams, as a terminal does).
 */
public interface InteractiveExec extends AutoCloseable {

  /** Writes to the command's stdin; null when stdin was not asked for. Closing it closes the command's stdin. */
  OutputStream stdin();

  /** The command's stdout (with a terminal: all its output); null when not asked for. */
  InputStream stdout();

  /** The command's stderr; null with a terminal or when not asked for. */
  InputStream stderr();

  /** Resizes the terminal; does nothing without one. */
  void resize(TerminalSize size) throws IOException;

  /** Waits for the command and returns its exit code. */
  int waitFor() throws InterruptedException;

  /** Kills the command (the session went away). */
  void kill();

  /** Releases the terminal and the runtime's files. */
  @Override
  void close();

  /** What both kinds share: the runtime process, how to kill the command, what to clean up. */
  abstract class Running implements InteractiveExec {
    final Process runtime;
    private final Runnable killer;
    private final Runnable cleanup;

    Running(Process runtime, Runnable killer, Runnable cleanup) {
      this.runtime = runtime;
      this.killer = killer;
      this.cleanup = cleanup;
    }

    @Override
    public int waitFor() throws InterruptedException {
      return runtime.waitFor();
    }

    /** Kills the command inside the container (by the pid the runtime recorded), then the runtime process. */
    @Override
    public void kill() {
      killer.run();
      runtime.destroyForcibly();
    }

    @Override
    public void close() {
      cleanup.run();
    }
  }

  /** An exec whose terminal master is {@code master}. */
  static InteractiveExec withTerminal(Process runtime, Fd master, Runnable killer, Runnable cleanup) {
    return new Running(runtime, killer, () -> {
      master.close();
      cleanup.run();
    }) {
      private final OutputStream in = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          master.write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          master.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
          // A terminal has no half-close: send the EOF character as typing Ctrl-D would.
          master.write(new byte[] {4}, 0, 1);
        }
      };

      @Override
      public OutputStream stdin() {
        return in;
      }

      @Override
      public InputStream stdout() {
        return master.inputStream();
      }

      @Override
      public InputStream stderr() {
        return null;
      }

      @Override
      public void resize(TerminalSize size) throws IOException {
        if (size.valid()) {
          master.setWindowSize(size.columns(), size.rows());
        }
      }
    };
  }

  /** An exec whose streams are the runtime process's own pipes. */
  static InteractiveExec withPipes(Process runtime, boolean stdin, boolean stdout, boolean stderr, Runnable killer,
      Runnable cleanup) {
    return new Running(runtime, killer, cleanup) {
      @Override
      public OutputStream stdin() {
        return stdin ? runtime.getOutputStream() : null;
      }

      @Override
      public InputStream stdout() {
        return stdout ? runtime.getInputStream() : null;
      }

      @Override
      public InputStream stderr() {
        return stderr ? runtime.getErrorStream() : null;
      }

      @Override
      public void resize(TerminalSize size) {
        // no terminal
      }
    };
  }
}
