package dev.jcri.server.rpc;

import dev.jcri.cri.v1.ListContainerStatsRequest;
import dev.jcri.cri.v1.ListContainersRequest;
import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.ListPodSandboxMetricsRequest;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.ListPodSandboxStatsRequest;
import dev.jcri.cri.v1.StreamContainerStatsRequest;
import dev.jcri.cri.v1.StreamContainerStatsResponse;
import dev.jcri.cri.v1.StreamContainersRequest;
import dev.jcri.cri.v1.StreamContainersResponse;
import dev.jcri.cri.v1.StreamImagesRequest;
import dev.jcri.cri.v1.StreamImagesResponse;
import dev.jcri.cri.v1.StreamPodSandboxMetricsRequest;
import dev.jcri.cri.v1.StreamPodSandboxMetricsResponse;
import dev.jcri.cri.v1.StreamPodSandboxStatsRequest;
import dev.jcri.cri.v1.StreamPodSandboxStatsResponse;
import dev.jcri.cri.v1.StreamPodSandboxesRequest;
import dev.jcri.cri.v1.StreamPodSandboxesResponse;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

/**
 * The streaming list RPCs (StreamPodSandboxes, StreamContainers, StreamContainerStats, StreamPodSandboxStats,
 * StreamPodSandboxMetrics, StreamImages): the same filter and answer as their list RPC, sent in pages of bounded
 * size ({@link Pages}).
 */
final class ListStreamRpcs {

  private ListStreamRpcs() {}

  record PodSandboxes(PodRpcs.ListPods list)
      implements ServerCalls.ServerStreamingMethod<StreamPodSandboxesRequest, StreamPodSandboxesResponse> {
    @Override
    public void invoke(StreamPodSandboxesRequest request, StreamObserver<StreamPodSandboxesResponse> observer) {
      var items = list.call(ListPodSandboxRequest.newBuilder().setFilter(request.getFilter()).build()).getItemsList();
      Pages.send(items, page -> StreamPodSandboxesResponse.newBuilder().addAllPodSandboxes(page).build(), observer);
    }
  }

  record Containers(ContainerRpcs.ListAll list)
      implements ServerCalls.ServerStreamingMethod<StreamContainersRequest, StreamContainersResponse> {
    @Override
    public void invoke(StreamContainersRequest request, StreamObserver<StreamContainersResponse> observer) {
      var items = list.call(ListContainersRequest.newBuilder().setFilter(request.getFilter()).build())
          .getContainersList();
      Pages.send(items, page -> StreamContainersResponse.newBuilder().addAllContainers(page).build(), observer);
    }
  }

  record ContainerStats(ContainerRpcs.ListStats list)
      implements ServerCalls.ServerStreamingMethod<StreamContainerStatsRequest, StreamContainerStatsResponse> {
    @Override
    public void invoke(StreamContainerStatsRequest request, StreamObserver<StreamContainerStatsResponse> observer) {
      var items = list.call(ListContainerStatsRequest.newBuilder().setFilter(request.getFilter()).build())
          .getStatsList();
      Pages.send(items, page -> StreamContainerStatsResponse.newBuilder().addAllContainerStats(page).build(),
          observer);
    }
  }

  record PodSandboxStats(PodRpcs.ListStats list)
      implements ServerCalls.ServerStreamingMethod<StreamPodSandboxStatsRequest, StreamPodSandboxStatsResponse> {
    @Override
    public void invoke(StreamPodSandboxStatsRequest request, StreamObserver<StreamPodSandboxStatsResponse> observer) {
      var items = list.call(ListPodSandboxStatsRequest.newBuilder().setFilter(request.getFilter()).build())
          .getStatsList();
      Pages.send(items, page -> StreamPodSandboxStatsResponse.newBuilder().addAllPodSandboxStats(page).build(),
          observer);
    }
  }

  record PodSandboxMetrics(MetricsRpcs.PodMetrics list)
      implements ServerCalls.ServerStreamingMethod<StreamPodSandboxMetricsRequest, StreamPodSandboxMetricsResponse> {
    @Override
    public void invoke(StreamPodSandboxMetricsRequest request,
        StreamObserver<StreamPodSandboxMetricsResponse> observer) {
      var items = list.call(ListPodSandboxMetricsRequest.getDefaultInstance()).getPodMetricsList();
      Pages.send(items, page -> StreamPodSandboxMetricsResponse.newBuilder().addAllPodSandboxMetrics(page).build(),
          observer);
    }
  }

  record Images(ListImagesRpc list)
      implements ServerCalls.ServerStreamingMethod<StreamImagesRequest, StreamImagesResponse> {
    @Override
    public void invoke(StreamImagesRequest request, StreamObserver<StreamImagesResponse> observer) {
      var items = list.call(ListImagesRequest.newBuilder().setFilter(request.getFilter()).build()).getImagesList();
      Pages.send(items, page -> StreamImagesResponse.newBuilder().addAllImages(page).build(), observer);
    }
  }
}
