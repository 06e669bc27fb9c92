package dev.jcri.server.grpc;

import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * Where each call runs. The reads kubelet repeats all day (PLEG's relist every second, each pod's statuses,
 * Version and Status) answer from memory in well under a millisecond: they run on the event loop that read
 * them, which writes the answer at once. Everything else (what starts processes, mounts, waits on a lock or on
 * disk, walks a tree) runs on a virtual thread of its own. Handing a read to another thread and back cost more
 * than the read: on an idle node each hand-over waits for a sleeping CPU to wake (~2.5 ms a status call, 0.6 ms
 * when busy).
 *
 * <p>A read qualifies only if it does not wait: no lock a slow call holds, no process, no network namespace, no
 * walk; at most, when it is the first to see a container's exit, the record's write (ContainerExits), which the
 * exit watcher otherwise does. ImageFsInfo qualifies while the snapshots' figure is current (after a change it
 * waits for the walk the change started, on a virtual thread); the stats calls (may measure a pod's interfaces)
 * do not.
 */
public final class CallExecutors implements ServerCallExecutorSupplier {

  /** Full names of the calls answered on the event loop. */
  static final Set<String> ON_EVENT_LOOP = Set.of(
      RuntimeServiceGrpc.getVersionMethod().getFullMethodName(),
      RuntimeServiceGrpc.getStatusMethod().getFullMethodName(),
      RuntimeServiceGrpc.getRuntimeConfigMethod().getFullMethodName(),
      RuntimeServiceGrpc.getListPodSandboxMethod().getFullMethodName(),
      RuntimeServiceGrpc.getPodSandboxStatusMethod().getFullMethodName(),
      RuntimeServiceGrpc.getListContainersMethod().getFullMethodName(),
      RuntimeServiceGrpc.getContainerStatusMethod().getFullMethodName());

  static final String IMAGE_FS_INFO = ImageServiceGrpc.getImageFsInfoMethod().getFullMethodName();

  private final Executor blocking;
  private final BooleanSupplier imageUsageCurrent;
  private final BooleanSupplier started;

  /**
   * @param blocking where every other call runs
   * @param imageUsageCurrent whether ImageFsInfo answers without waiting now
   * @param started whether jcri has started; until then every call waits for it ({@link StartGate}), on a
   *     virtual thread
   */
  public CallExecutors(Executor blocking, BooleanSupplier imageUsageCurrent, BooleanSupplier started) {
    this.blocking = blocking;
    this.imageUsageCurrent = imageUsageCurrent;
    this.started = started;
  }

  /** Null keeps the call on the server's default executor: the event loop (the server is built direct). */
  @Override
  public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
    if (!started.getAsBoolean()) {
      return blocking;
    }
    String method = call.getMethodDescriptor().getFullMethodName();
    if (ON_EVENT_LOOP.contains(method) || method.equals(IMAGE_FS_INFO) && imageUsageCurrent.getAsBoolean()) {
      return null;
    }
    return blocking;
  }
}
