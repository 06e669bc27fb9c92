package dev.jcri.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.ImageFsInfoRequest;
import dev.jcri.cri.v1.ImageFsInfoResponse;
import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.cri.v1.VersionResponse;
import dev.jcri.server.it.CriSocket;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The socket served before the start ends: calls wait for the real services, or learn why there are none. */
class StartGateTest {

  private final AtomicInteger versions = new AtomicInteger();

  private final RuntimeServiceGrpc.RuntimeServiceImplBase runtime = new RuntimeServiceGrpc.RuntimeServiceImplBase() {
    @Override
    public void version(VersionRequest request, StreamObserver<VersionResponse> out) {
      versions.incrementAndGet();
      out.onNext(VersionResponse.newBuilder().setRuntimeName("jcri").build());
      out.onCompleted();
    }
  };

  private final ImageServiceGrpc.ImageServiceImplBase images = new ImageServiceGrpc.ImageServiceImplBase() {
    @Override
    public void imageFsInfo(ImageFsInfoRequest request, StreamObserver<ImageFsInfoResponse> out) {
      out.onNext(ImageFsInfoResponse.getDefaultInstance());
      out.onCompleted();
    }
  };

  @Test
  void aCallBeforeTheStartEnds_waits_andIsAnsweredByTheRealServiceOnceTheGateOpens(@TempDir Path dir)
      throws Exception {
    StartGate gate = new StartGate();
    Path socket = dir.resolve("cri.sock");
    CriServer server = served(socket, gate);
    try (CriSocket client = new CriSocket(socket)) {
      CompletableFuture<VersionResponse> early = versionAsked(client);
      assertThrows(TimeoutException.class, () -> early.get(300, TimeUnit.MILLISECONDS), "answered before the start");
      assertFalse(gate.isOpen());
      openWithTheServices(gate);
      assertEquals("jcri", early.get(10, TimeUnit.SECONDS).getRuntimeName());
      assertTrue(gate.isOpen());
      // After the start, calls go straight through; both services are served.
      assertEquals("jcri", client.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName());
      assertEquals(ImageFsInfoResponse.getDefaultInstance(),
          client.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance()));
      assertEquals(2, versions.get());
    } finally {
      server.shutdown(Duration.ofSeconds(1));
    }
  }

  @Test
  void aFailedStart_endsTheWaitingCallsUnavailable_withTheReason(@TempDir Path dir) throws Exception {
    StartGate gate = new StartGate();
    Path socket = dir.resolve("cri.sock");
    CriServer server = served(socket, gate);
    try (CriSocket client = new CriSocket(socket)) {
      CompletableFuture<VersionResponse> early = versionAsked(client);
      Thread.sleep(100);
      gate.fail(new IOException("cannot read /var/lib/jcri/pods: permission denied"));
      var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> early.get(10, TimeUnit.SECONDS));
      StatusRuntimeException status = (StatusRuntimeException) e.getCause();
      assertEquals(Status.Code.UNAVAILABLE, status.getStatus().getCode());
      assertEquals("jcri did not start: cannot read /var/lib/jcri/pods: permission denied",
          status.getStatus().getDescription());
      // and so does a call that comes after
      var later = assertThrows(StatusRuntimeException.class,
          () -> client.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance()));
      assertEquals(Status.Code.UNAVAILABLE, later.getStatus().getCode());
    } finally {
      server.shutdown(Duration.ofSeconds(1));
    }
    assertEquals(0, versions.get());
  }

  @Test
  void aCallWhoseCallerGaveUpWhileWaiting_isNotRun(@TempDir Path dir) throws Exception {
    StartGate gate = new StartGate();
    Path socket = dir.resolve("cri.sock");
    CriServer server = served(socket, gate);
    try (CriSocket client = new CriSocket(socket)) {
      var e = assertThrows(StatusRuntimeException.class, () -> client.runtime()
          .withDeadlineAfter(200, TimeUnit.MILLISECONDS).version(VersionRequest.getDefaultInstance()));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
      // jcri learns of it from the transport: the call stops waiting (without the gate opening)
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (gate.waiting() > 0 && System.nanoTime() < until) {
        Thread.sleep(5);
      }
      assertEquals(0, gate.waiting(), "the abandoned call still waits");
      openWithTheServices(gate);
      assertEquals("jcri", client.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName());
    } finally {
      server.shutdown(Duration.ofSeconds(1));
    }
    assertEquals(1, versions.get(), "the abandoned call ran after the start");
  }

  private static CriServer served(Path socket, StartGate gate) throws IOException {
    return CriServer.startGated(socket, gate, CriServer.newEventLoops(), () -> true);
  }

  private static CompletableFuture<VersionResponse> versionAsked(CriSocket client) {
    return CompletableFuture.supplyAsync(() -> client.runtime().version(VersionRequest.getDefaultInstance()));
  }

  private void openWithTheServices(StartGate gate) {
    gate.open(List.of(ServerInterceptors.intercept(runtime, new ErrorMappingInterceptor()),
        ServerInterceptors.intercept(images, new ErrorMappingInterceptor())));
  }
}
