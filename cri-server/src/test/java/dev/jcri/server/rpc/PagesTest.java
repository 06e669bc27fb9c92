package dev.jcri.server.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.cri.v1.PodSandbox;
import dev.jcri.cri.v1.StreamPodSandboxesResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PagesTest {

  /** Collects what a stream sends. */
  static final class Sent implements StreamObserver<StreamPodSandboxesResponse> {
    final List<StreamPodSandboxesResponse> pages = new ArrayList<>();
    boolean completed;

    @Override
    public void onNext(StreamPodSandboxesResponse value) {
      pages.add(value);
    }

    @Override
    public void onError(Throwable t) {
      throw new AssertionError(t);
    }

    @Override
    public void onCompleted() {
      completed = true;
    }
  }

  static List<PodSandbox> pods(int n, int labelBytes) {
    return IntStream.range(0, n).mapToObj(i -> PodSandbox.newBuilder().setId(String.format("%064x", i))
        .putLabels("l", "x".repeat(labelBytes)).build()).toList();
  }

  static void send(List<PodSandbox> items, Sent sent, int max) {
    Pages.send(items, page -> StreamPodSandboxesResponse.newBuilder().addAllPodSandboxes(page).build(), sent, max);
  }

  @Test
  void manyItems_goInPagesNoneLargerThanTheBound_allInOrder() {
    List<PodSandbox> items = pods(5000, 1000);
    Sent sent = new Sent();

    send(items, sent, 64 * 1024);

    assertTrue(sent.pages.size() > 50, "pages: " + sent.pages.size());
    assertTrue(sent.pages.stream().allMatch(p -> p.getSerializedSize() <= 64 * 1024));
    assertEquals(items, sent.pages.stream().flatMap(p -> p.getPodSandboxesList().stream()).toList());
    assertTrue(sent.completed);
  }

  @Test
  void theDefaultBound_keepsEveryMessageFarBelowKubeletsLimit() {
    Sent sent = new Sent();

    send(pods(20_000, 1000), sent, Pages.MAX_BYTES);

    assertTrue(sent.pages.size() >= 5);
    assertTrue(sent.pages.stream().allMatch(p -> p.getSerializedSize() <= Pages.MAX_BYTES));
  }

  @Test
  void nothingToSend_sendsNoMessageAndCompletes() {
    Sent sent = new Sent();

    send(List.of(), sent, 1024);

    assertEquals(List.of(), sent.pages);
    assertTrue(sent.completed);
  }

  @Test
  void anItemLargerThanThePage_goesAlone() {
    List<PodSandbox> items = List.of(pods(1, 10).getFirst(), pods(1, 5000).getFirst(), pods(1, 10).getFirst());
    Sent sent = new Sent();

    send(items, sent, 1024);

    assertEquals(3, sent.pages.size());
  }
}
