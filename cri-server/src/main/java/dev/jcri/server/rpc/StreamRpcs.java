package dev.jcri.server.rpc;

import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.InvalidArgumentException;
import dev.jcri.cri.v1.AttachRequest;
import dev.jcri.cri.v1.AttachResponse;
import dev.jcri.cri.v1.ExecRequest;
import dev.jcri.cri.v1.ExecResponse;
import dev.jcri.cri.v1.PortForwardRequest;
import dev.jcri.cri.v1.PortForwardResponse;
import dev.jcri.sandbox.container.ContainerManager;
import dev.jcri.sandbox.container.ContainerRecord;
import dev.jcri.sandbox.pod.PodSandbox;
import dev.jcri.sandbox.pod.PodSandboxManager;
import dev.jcri.server.stream.StreamRequest;
import dev.jcri.server.stream.StreamServer;

/**
 * Exec, Attach and PortForward: check the request now, so the client hears of a mistake from the RPC, and
 * hand out a single-use URL on the streaming server that does the work.
 */
public final class StreamRpcs {

  private StreamRpcs() {}

  static void checkStreams(String rpc, boolean tty, boolean stdin, boolean stdout, boolean stderr) {
    if (tty && stderr) {
      throw new InvalidArgumentException(rpc + ": tty and stderr cannot both be true (a terminal has one output"
          + " stream)");
    }
    if (!stdin && !stdout && !stderr) {
      throw new InvalidArgumentException(rpc + ": one of stdin, stdout or stderr must be true");
    }
  }

  /** Exec: a command in a running container. */
  public record Exec(ContainerManager containers, StreamServer server) implements UnaryRpc<ExecRequest, ExecResponse> {
    @Override
    public ExecResponse call(ExecRequest r) {
      String id = ContainerRpcs.requireId(r.getContainerId(), "Exec");
      if (r.getCmdCount() == 0) {
        throw new InvalidArgumentException("Exec needs cmd, the command to run");
      }
      checkStreams("Exec", r.getTty(), r.getStdin(), r.getStdout(), r.getStderr());
      ContainerRecord c = containers.running(id);
      return ExecResponse.newBuilder().setUrl(server.urlFor(new StreamRequest.Exec(c.id(), r.getCmdList(),
          r.getTty(), r.getStdin(), r.getStdout(), r.getStderr()))).build();
    }
  }

  /** Attach: to a running container's own stdio. */
  public record Attach(ContainerManager containers, StreamServer server)
      implements UnaryRpc<AttachRequest, AttachResponse> {
    @Override
    public AttachResponse call(AttachRequest r) {
      String id = ContainerRpcs.requireId(r.getContainerId(), "Attach");
      checkStreams("Attach", r.getTty(), r.getStdin(), r.getStdout(), r.getStderr());
      ContainerRecord c = containers.running(id);
      return AttachResponse.newBuilder().setUrl(server.urlFor(new StreamRequest.Attach(c.id(), r.getTty(),
          r.getStdin(), r.getStdout(), r.getStderr()))).build();
    }
  }

  /** PortForward: to ports on a ready pod's loopback. */
  public record PortForward(PodSandboxManager pods, StreamServer server)
      implements UnaryRpc<PortForwardRequest, PortForwardResponse> {
    @Override
    public PortForwardResponse call(PortForwardRequest r) {
      String id = PodRpcs.requireId(r.getPodSandboxId(), "PortForward");
      for (int port : r.getPortList()) {
        if (port < 1 || port > 65535) {
          throw new InvalidArgumentException("PortForward: port " + port + " is out of range 1-65535");
        }
      }
      PodSandbox pod = pods.get(id);
      if (pod.state() != PodSandbox.State.READY) {
        throw new FailedPreconditionException("PortForward: pod sandbox " + pod.id() + " is not ready");
      }
      return PortForwardResponse.newBuilder().setUrl(server.urlFor(new StreamRequest.PortForward(pod.id(),
          r.getPortList()))).build();
    }
  }
}
