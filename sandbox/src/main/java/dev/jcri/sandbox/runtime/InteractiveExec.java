package dev.jcri.sandbox.runtime;

import dev.jcri.common.Fd;
import dev.jcri.common.HelperProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Supplier;

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
    final HelperProcess runtime;
    private final Runnable killer;
    private final Runnable cleanup;

    Running(HelperProcess runtime, Runnable killer, Runnable cleanup) {
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
      runtime.kill();
    }

    @Override
    public void close() {
      cleanup.run();
    }
  }

  /** An exec whose terminal master is {@code master}. */
  static InteractiveExec withTerminal(HelperProcess runtime, Fd master, Runnable killer, Runnable cleanup) {
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

  /** An exec whose streams are the runtime process's own pipes (those it was started with). */
  static InteractiveExec withPipes(HelperProcess runtime, Runnable killer, Runnable cleanup) {
    Fd in = pipe(runtime::stdinFd);
    Fd out = pipe(runtime::stdoutFd);
    Fd err = pipe(runtime::stderrFd);
    return new Running(runtime, killer, () -> {
      for (Fd f : new Fd[] {in, out, err}) {
        if (f != null) {
          f.close();
        }
      }
      cleanup.run();
    }) {
      @Override
      public OutputStream stdin() {
        return in == null ? null : new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            in.write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            in.write(b, off, len);
          }

          @Override
          public void close() {
            in.close();
          }
        };
      }

      @Override
      public InputStream stdout() {
        return out == null ? null : out.inputStream();
      }

      @Override
      public InputStream stderr() {
        return err == null ? null : err.inputStream();
      }

      @Override
      public void resize(TerminalSize size) {
        // no terminal
      }
    };
  }

  private static Fd pipe(Supplier<Fd> take) {
    try {
      return take.get();
    } catch (IllegalStateException notAsked) {
      return null;
    }
  }
}
