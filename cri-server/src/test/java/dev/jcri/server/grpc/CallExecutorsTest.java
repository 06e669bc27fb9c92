package dev.jcri.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.ListPodSandboxResponse;
import dev.jcri.cri.v1.RunPodSandboxRequest;
import dev.jcri.cri.v1.RunPodSandboxResponse;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.server.it.CriSocket;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CallExecutorsTest {

  private static final Executor BLOCKING = Runnable::run;

  @Test
  void everyNameOnTheEventLoop_isARuntimeServiceMethod() {
    ServiceDescriptor runtime = RuntimeServiceGrpc.getServiceDescriptor();
    var names = runtime.getMethods().stream().map(MethodDescriptor::getFullMethodName).collect(Collectors.toSet());
    assertTrue(names.containsAll(CallExecutors.ON_EVENT_LOOP), CallExecutors.ON_EVENT_LOOP.toString());
  }

  @Test
  void readsKubeletRepeats_stayOnTheEventLoop_everythingElseGoesToTheBlockingExecutor() {
    CallExecutors executors = new CallExecutors(BLOCKING, () -> false, () -> true);
    for (var m : List.of(RuntimeServiceGrpc.getListPodSandboxMethod(), RuntimeServiceGrpc.getListContainersMethod(),
        RuntimeServiceGrpc.getPodSandboxStatusMethod(), RuntimeServiceGrpc.getContainerStatusMethod(),
        RuntimeServiceGrpc.getVersionMethod(), RuntimeServiceGrpc.getStatusMethod())) {
      assertNull(executors.getExecutor(call(m), new io.grpc.Metadata()), m.getFullMethodName());
    }
    // What starts processes, mounts, waits for a walk, or may enter a pod's network namespace.
    for (var m : List.<MethodDescriptor<?, ?>>of(RuntimeServiceGrpc.getRunPodSandboxMethod(),
        RuntimeServiceGrpc.getExecSyncMethod(), RuntimeServiceGrpc.getStopPodSandboxMethod(),
        RuntimeServiceGrpc.getListContainerStatsMethod(), RuntimeServiceGrpc.getListPodSandboxStatsMethod(),
        ImageServiceGrpc.getImageFsInfoMethod(), ImageServiceGrpc.getPullImageMethod())) {
      assertSame(BLOCKING, executors.getExecutor(call(m), new io.grpc.Metadata()), m.getFullMethodName());
    }
  }

  @Test
  void imageFsInfo_onTheEventLoopOnlyWhileTheFigureIsCurrent() {
    boolean[] current = {true};
    CallExecutors executors = new CallExecutors(BLOCKING, () -> current[0], () -> true);
    assertNull(executors.getExecutor(call(ImageServiceGrpc.getImageFsInfoMethod()), new io.grpc.Metadata()));
    current[0] = false; // a pull or a new container: the next call waits for the walk, on a virtual thread
    assertSame(BLOCKING, executors.getExecutor(call(ImageServiceGrpc.getImageFsInfoMethod()), new io.grpc.Metadata()));
  }

  @Test
  void untilStarted_everyCallGoesToTheBlockingExecutor_evenTheReads() {
    boolean[] started = {false};
    CallExecutors executors = new CallExecutors(BLOCKING, () -> true, () -> started[0]);
    // A call waiting for the start (StartGate) must not hold an event loop.
    assertSame(BLOCKING, executors.getExecutor(call(RuntimeServiceGrpc.getVersionMethod()), new io.grpc.Metadata()));
    assertSame(BLOCKING,
        executors.getExecutor(call(RuntimeServiceGrpc.getListPodSandboxMethod()), new io.grpc.Metadata()));
    started[0] = true;
    assertNull(executors.getExecutor(call(RuntimeServiceGrpc.getVersionMethod()), new io.grpc.Metadata()));
  }

  /** A call of {@code method}: all a supplier looks at. */
  private static <Q, R> ServerCall<Q, R> call(MethodDescriptor<Q, R> method) {
    return new ServerCall<>() {
      @Override
      public void request(int numMessages) {}

      @Override
      public void sendHeaders(io.grpc.Metadata headers) {}

      @Override
      public void sendMessage(R message) {}

      @Override
      public void close(io.grpc.Status status, io.grpc.Metadata trailers) {}

      @Override
      public boolean isCancelled() {
        return false;
      }

      @Override
      public MethodDescriptor<Q, R> getMethodDescriptor() {
        return method;
      }
    };
  }

  /** Through a served socket: where the handlers of a read and of a pod start really run. */
  @Test
  void servedCalls_aReadRunsOnAnEventLoopThread_aPodStartOnAVirtualThread(@TempDir Path dir) throws Exception {
    Map<String, Thread> ranOn = new ConcurrentHashMap<>();
    var service = new RuntimeServiceGrpc.RuntimeServiceImplBase() {
      @Override
      public void listPodSandbox(ListPodSandboxRequest request, StreamObserver<ListPodSandboxResponse> out) {
        ranOn.put("ListPodSandbox", Thread.currentThread());
        out.onNext(ListPodSandboxResponse.getDefaultInstance());
        out.onCompleted();
      }

      @Override
      public void runPodSandbox(RunPodSandboxRequest request, StreamObserver<RunPodSandboxResponse> out) {
        ranOn.put("RunPodSandbox", Thread.currentThread());
        out.onNext(RunPodSandboxResponse.newBuilder().setPodSandboxId("p").build());
        out.onCompleted();
      }
    };
    Path socket = dir.resolve("cri.sock");
    CriServer server = CriServer.start(socket, List.of(service), List.of(new ErrorMappingInterceptor()));
    try (CriSocket client = new CriSocket(socket)) {
      client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
      assertEquals("p", client.runtime().runPodSandbox(RunPodSandboxRequest.getDefaultInstance()).getPodSandboxId());
    } finally {
      server.shutdown(Duration.ofSeconds(1));
    }
    Thread read = ranOn.get("ListPodSandbox");
    assertFalse(read.isVirtual(), read.toString());
    assertTrue(read.getName().startsWith("multiThreadIoEventLoopGroup"), read.getName());
    assertTrue(ranOn.get("RunPodSandbox").isVirtual(), ranOn.get("RunPodSandbox").toString());
  }
}
