package dev.jcri.sandbox.runtime;

import java.util.List;

/**
 * What an ExecSync gave: exit code, stdout, stderr, whether the timeout killed it and whether output was
 * dropped (past the per-stream limit or the node-wide budget). Closing it gives its bytes back to the budget:
 * close it once the output is sent.
 */
public record ExecResult(int exitCode, ExecResult.Output stdout, ExecResult.Output stderr, boolean timedOut,
    boolean truncated, Runnable release) implements AutoCloseable {

  @Override
  public void close() {
    release.run();
  }

  /**
   * What one ExecSync stream collected, in the chunks it was read in (never copied into one array: the response
   * wraps them as they are), and whether some was dropped.
   */
  public record Output(List<byte[]> chunks, int size, boolean truncated) {
    static final Output NONE = new Output(List.of(), 0, false);

    public Output {
      chunks = List.copyOf(chunks);
    }

    /** All of it in one array (a copy). */
    public byte[] bytes() {
      byte[] all = new byte[size];
      int at = 0;
      for (byte[] c : chunks) {
        System.arraycopy(c, 0, all, at, c.length);
        at += c.length;
      }
      return all;
    }
  }

}
