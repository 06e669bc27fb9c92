package dev.jcri.sandbox.container;

import dev.jcri.common.Fd;
import dev.jcri.sandbox.io.UnixSockets;
import dev.jcri.sandbox.runtime.TerminalSize;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One client attached to a running container through its conmon: conmon's attach socket (SOCK_SEQPACKET)
 * carries the container's output as packets whose first byte names the stream, and takes raw stdin; the
 * control FIFO takes resize requests.
 */
public final class AttachConnection implements AutoCloseable {

  /** conmon's packet prefix for stdout. */
  public static final int STDOUT = 2;
  /** conmon's packet prefix for stderr. */
  public static final int STDERR = 3;

  /** conmon's largest packet, plus the prefix byte. */
  private static final int PACKET = 32 * 1024 + 1;
  private static final int RESIZE_EVENT = 1;

  private final Fd socket;
  private final Path controlFifo;

  private AttachConnection(Fd socket, Path controlFifo) {
    this.socket = socket;
    this.controlFifo = controlFifo;
  }

  static AttachConnection open(Path bundle) throws IOException {
    return new AttachConnection(UnixSockets.connectSeqPacket(bundle, "attach"), bundle.resolve("ctl"));
  }

  /** One packet of output: which stream, and its bytes. */
  public record Output(int stream, byte[] data, int length) {}

  /** Reads the next packet of output; null once conmon has closed the connection (the container exited). */
  public Output read(byte[] buf) throws IOException {
    if (buf.length < PACKET) {
      throw new IllegalArgumentException("buffer smaller than a conmon packet");
    }
    while (true) {
      int n = socket.read(buf, PACKET);
      if (n <= 0) {
        return null;
      }
      if (n > 1) {
        byte[] data = new byte[n - 1];
        System.arraycopy(buf, 1, data, 0, n - 1);
        return new Output(buf[0], data, n - 1);
      }
    }
  }

  /** Sends stdin to the container (ignored by conmon when the container was created without stdin). */
  public void write(byte[] data, int off, int len) throws IOException {
    for (int done = 0; done < len; ) {
      int chunk = Math.min(PACKET - 1, len - done);
      socket.write(data, off + done, chunk);
      done += chunk;
    }
  }

  /** Tells conmon this client's stdin ended; a container created with stdin_once gets its stdin closed. */
  public void closeStdin() {
    socket.shutdownOutput();
  }

  /** Resizes the container's terminal. */
  public void resize(TerminalSize size) throws IOException {
    if (!size.valid()) {
      return;
    }
    Files.writeString(controlFifo, RESIZE_EVENT + " " + size.rows() + " " + size.columns() + "\n",
        StandardCharsets.US_ASCII);
  }

  @Override
  public void close() {
    socket.close();
  }
}
