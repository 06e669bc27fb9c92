package dev.jcri.server.rpc;

import dev.jcri.cri.v1.ContainerEventResponse;
import dev.jcri.cri.v1.ContainerEventType;
import dev.jcri.cri.v1.GetEventsRequest;
import dev.jcri.sandbox.container.ContainerEvents;
import dev.jcri.sandbox.container.ContainerManager;
import dev.jcri.sandbox.pod.PodSandboxManager;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * GetContainerEvents: a stream of container lifecycle events with the pod's status and its containers'
 * statuses, until the client goes away. A client that stops reading is dropped once its queue is full.
 */
public final class ContainerEventsRpc {

  private final ContainerManager containers;
  private final PodSandboxManager pods;

  public ContainerEventsRpc(ContainerManager containers, PodSandboxManager pods) {
    this.containers = containers;
    this.pods = pods;
  }

  public void serve(GetEventsRequest request, StreamObserver<ContainerEventResponse> observer) {
    ServerCallStreamObserver<ContainerEventResponse> call = (ServerCallStreamObserver<ContainerEventResponse>) observer;
    ContainerEvents.Subscription sub = containers.events().subscribe();
    call.setOnCancelHandler(sub::close);
    try {
      while (!call.isCancelled() && sub.isOpen()) {
        ContainerEvents.Event e = sub.next(500);
        if (e != null) {
          call.onNext(toProto(e));
        }
      }
      if (!call.isCancelled()) {
        call.onError(io.grpc.Status.RESOURCE_EXHAUSTED.withDescription("the event stream was dropped: the client"
            + " did not keep up with " + ContainerEvents.QUEUE + " queued events").asRuntimeException());
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    } finally {
      sub.close();
    }
  }

  private ContainerEventResponse toProto(ContainerEvents.Event e) {
    ContainerEventResponse.Builder b = ContainerEventResponse.newBuilder()
        .setContainerId(e.containerId())
        .setContainerEventType(switch (e.type()) {
          case CREATED -> ContainerEventType.CONTAINER_CREATED_EVENT;
          case STARTED -> ContainerEventType.CONTAINER_STARTED_EVENT;
          case STOPPED -> ContainerEventType.CONTAINER_STOPPED_EVENT;
          case DELETED -> ContainerEventType.CONTAINER_DELETED_EVENT;
        })
        .setCreatedAt(e.at());
    pods.find(e.podId()).ifPresent(p -> b.setPodSandboxStatus(PodProtos.status(p)));
    containers.list().stream().filter(c -> c.podId().equals(e.podId()))
        .forEach(c -> b.addContainersStatuses(ContainerProtos.status(c)));
    return b.build();
  }
}
