package dev.jcri.server.stream;

import java.util.List;

/** What a streaming URL was issued for; the session behind the URL does exactly this. */
public sealed interface StreamRequest {

  /** The first path segment of the URL. */
  String kind();

  /** An exec or attach: which of the client's streams it has. */
  sealed interface Command extends StreamRequest permits Exec, Attach {
    boolean tty();

    boolean stdin();

    boolean stdout();

    boolean stderr();
  }

  record Exec(String containerId, List<String> command, boolean tty, boolean stdin, boolean stdout,
      boolean stderr) implements Command {
    public Exec {
      command = List.copyOf(command);
    }

    @Override
    public String kind() {
      return "exec";
    }
  }

  record Attach(String containerId, boolean tty, boolean stdin, boolean stdout, boolean stderr)
      implements Command {
    @Override
    public String kind() {
      return "attach";
    }
  }

  record PortForward(String podId, List<Integer> ports) implements StreamRequest {
    public PortForward {
      ports = List.copyOf(ports);
    }

    @Override
    public String kind() {
      return "portforward";
    }
  }
}
