package dev.jcri.server.stream;

import dev.jcri.common.JcriException;
import dev.jcri.common.Log;
import dev.jcri.sandbox.container.AttachConnection;
import dev.jcri.sandbox.container.ContainerManager;
import dev.jcri.sandbox.runtime.InteractiveExec;
import dev.jcri.sandbox.runtime.TerminalSize;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/** Runs one exec or attach session between a client's streams and a container. */
final class CommandSession {

  /**
   * How long a terminal exec waits for the client's first size before it starts without one. Clients send it as
   * soon as the session is up, so the wait is usually a few milliseconds; the bound only matters when the size
   * is slow to come through (a cold JVM's first terminal session took over 250 ms, and the command then saw a
   * 0x0 terminal) or never comes.
   */
  private static final long INITIAL_SIZE_WAIT_MS = 1000;

  private static final Log LOG = Log.of(CommandSession.class);

  private final ContainerManager containers;

  CommandSession(ContainerManager containers) {
    this.containers = containers;
  }

  void run(StreamRequest request, CommandStreams s, ClientConnection client) {
    ExitStatus status;
    try {
      status = switch (request) {
        case StreamRequest.Exec e -> exec(e, s, client);
        case StreamRequest.Attach a -> attach(a, s, client);
        case StreamRequest.PortForward p -> throw new IllegalArgumentException("not a command: " + p);
      };
    } catch (JcriException e) {
      status = ExitStatus.failed(e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("streaming session failed", "kind", request.kind(), "error", String.valueOf(e));
      status = ExitStatus.failed("internal error: " + e.getMessage());
    }
    StreamIo.closeQuietly(s.stdout());
    StreamIo.closeQuietly(s.stderr());
    try {
      s.error().write(status.encode(s.structuredStatus()));
    } catch (IOException ignored) {
      // the client is gone
    }
    StreamIo.closeQuietly(s.error());
    client.end();
  }

  private ExitStatus exec(StreamRequest.Exec r, CommandStreams s, ClientConnection client) {
    // Clients send the terminal's size as soon as the session is up: start the command with it if it comes
    // quickly, so the command's first look at its terminal sees the right size.
    SizeRelay sizes = new SizeRelay();
    if (s.resize() != null && r.tty()) {
      StreamIo.THREADS.execute(() -> readSizes(s.resize(), sizes));
    }
    TerminalSize initial = r.tty() ? sizes.first(INITIAL_SIZE_WAIT_MS) : null;
    InteractiveExec exec = containers.execInteractive(r.containerId(), r.command(), r.tty(), initial,
        s.stdin() != null, s.stdout() != null, s.stderr() != null && !r.tty());
    try (exec) {
      client.onClientGone(exec::kill);
      sizes.forward(quietly(exec::resize));
      if (exec.stdin() != null) {
        StreamIo.THREADS.execute(() -> {
          StreamIo.copy(s.stdin(), exec.stdin());
          StreamIo.closeQuietly(exec.stdin());
        });
      }
      Future<?> out = pump(exec.stdout(), s.stdout());
      Future<?> err = pump(exec.stderr(), s.stderr());
      int code = exec.waitFor();
      await(out);
      await(err);
      return ExitStatus.exited(code);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exec.kill();
      return ExitStatus.failed("interrupted");
    }
  }

  private ExitStatus attach(StreamRequest.Attach r, CommandStreams s, ClientConnection client) {
    AttachConnection conn = containers.attach(r.containerId());
    try (conn) {
      client.onClientGone(conn::close);
      if (s.resize() != null && r.tty()) {
        StreamIo.THREADS.execute(() -> readSizes(s.resize(), quietly(conn::resize)));
      }
      if (s.stdin() != null) {
        StreamIo.THREADS.execute(() -> {
          byte[] buf = new byte[OutboundStream.CHUNK];
          try {
            int n;
            while ((n = s.stdin().read(buf)) >= 0) {
              conn.write(buf, 0, n);
            }
            conn.closeStdin();
          } catch (IOException ignored) {
            // client or container gone; the output side ends the session
          }
        });
      }
      byte[] buf = new byte[64 * 1024];
      AttachConnection.Output o;
      while ((o = conn.read(buf)) != null) {
        OutputStream target = o.stream() == AttachConnection.STDERR && !r.tty() ? s.stderr() : s.stdout();
        if (target != null) {
          target.write(o.data(), 0, o.length());
        }
      }
      return ExitStatus.exited(0);
    } catch (IOException e) {
      return ExitStatus.failed("attach to " + r.containerId() + " ended: " + e.getMessage());
    }
  }

  /** Something a terminal size is applied to. */
  interface Resizer {
    void resize(TerminalSize size) throws IOException;
  }

  /** Applies sizes, logging (not failing) when one cannot be: a resize is advice, the session goes on. */
  static Consumer<TerminalSize> quietly(Resizer target) {
    return size -> {
      try {
        target.resize(size);
      } catch (IOException e) {
        LOG.debug("resize failed", "error", e.getMessage());
      }
    };
  }

  /** Hands terminal sizes on: the first to whoever waits for it, all later ones (and a missed first) onwards. */
  static final class SizeRelay implements Consumer<TerminalSize> {
    private TerminalSize first;
    private TerminalSize pending;
    private Consumer<TerminalSize> target;

    @Override
    public synchronized void accept(TerminalSize size) {
      if (first == null) {
        first = size;
        notifyAll();
      }
      if (target != null) {
        target.accept(size);
      } else {
        pending = size;
      }
    }

    synchronized TerminalSize first(long waitMs) {
      long deadline = System.currentTimeMillis() + waitMs;
      try {
        while (first == null && System.currentTimeMillis() < deadline) {
          wait(Math.max(1, deadline - System.currentTimeMillis()));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return first;
    }

    synchronized void forward(Consumer<TerminalSize> to) {
      target = to;
      if (pending != null) {
        to.accept(pending);
        pending = null;
      }
    }
  }

  private static Future<?> pump(InputStream from, OutputStream to) {
    if (from == null) {
      return CompletableFuture.completedFuture(null);
    }
    return StreamIo.THREADS.submit(() -> {
      if (to == null) {
        StreamIo.copy(from, OutputStream.nullOutputStream());
      } else {
        StreamIo.copy(from, to);
      }
    });
  }

  private static void await(Future<?> f) throws InterruptedException {
    try {
      f.get();
    } catch (ExecutionException e) {
      LOG.debug("output copy failed", "error", String.valueOf(e.getCause()));
    }
  }

  /** Reads {"Width":..,"Height":..} objects until the stream ends; closes it on abuse. */
  static void readSizes(InputStream in, Consumer<TerminalSize> apply) {
    try (in) {
      ResizeMessages.read(in, apply);
    } catch (ResizeMessages.Abuse e) {
      LOG.warn("resize stream closed", "reason", e.getMessage());
    } catch (IOException | RuntimeException e) {
      LOG.debug("resize stream ended", "error", String.valueOf(e));
    }
  }
}
