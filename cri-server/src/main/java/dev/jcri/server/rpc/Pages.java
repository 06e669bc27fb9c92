package dev.jcri.server.rpc;

import com.google.protobuf.MessageLite;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Sends a list as a stream of pages, each message bounded in bytes: the streaming list RPCs answer what their
 * list RPCs answer without one message past what kubelet takes (16 MiB). An empty list sends no message; a
 * client that went away stops the sending.
 */
final class Pages {

  /** The most one page's items take on the wire; a single larger item goes alone. */
  static final int MAX_BYTES = 4 * 1024 * 1024;

  private Pages() {}

  static <T extends MessageLite, R> void send(List<T> items, Function<List<T>, R> page, StreamObserver<R> observer) {
    send(items, page, observer, MAX_BYTES);
  }

  static <T extends MessageLite, R> void send(List<T> items, Function<List<T>, R> page, StreamObserver<R> observer,
      int maxBytes) {
    List<T> batch = new ArrayList<>();
    long bytes = 0;
    for (T item : items) {
      // The item's size plus its field tag and length prefix in the repeated field.
      long size = item.getSerializedSize() + 6L;
      if (!batch.isEmpty() && bytes + size > maxBytes) {
        if (cancelled(observer)) {
          return;
        }
        observer.onNext(page.apply(List.copyOf(batch)));
        batch.clear();
        bytes = 0;
      }
      batch.add(item);
      bytes += size;
    }
    if (!batch.isEmpty() && !cancelled(observer)) {
      observer.onNext(page.apply(List.copyOf(batch)));
    }
    observer.onCompleted();
  }

  private static boolean cancelled(StreamObserver<?> observer) {
    return observer instanceof ServerCallStreamObserver<?> call && call.isCancelled();
  }
}
