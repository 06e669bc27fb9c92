package dev.jcri.server.rpc;

import dev.jcri.cri.v1.ImageFsInfoRequest;
import dev.jcri.cri.v1.ImageFsInfoResponse;
import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.ImageStatusRequest;
import dev.jcri.cri.v1.ImageStatusResponse;
import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.ListImagesResponse;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.PullImageResponse;
import dev.jcri.cri.v1.RemoveImageRequest;
import dev.jcri.cri.v1.RemoveImageResponse;
import dev.jcri.image.ImageService;
import io.grpc.stub.StreamObserver;

/** The ImageService edge: each method hands its request to the class of that RPC. */
public final class ImageServiceImpl extends ImageServiceGrpc.ImageServiceImplBase {

  private final PullImageRpc pull;
  private final ImageStatusRpc status;
  private final ListImagesRpc list;
  private final RemoveImageRpc remove;
  private final ImageFsInfoRpc fsInfo;

  public ImageServiceImpl(ImageService images) {
    this.pull = new PullImageRpc(images);
    this.status = new ImageStatusRpc(images);
    this.list = new ListImagesRpc(images);
    this.remove = new RemoveImageRpc(images);
    this.fsInfo = new ImageFsInfoRpc(images);
  }

  @Override
  public void pullImage(PullImageRequest request, StreamObserver<PullImageResponse> observer) {
    UnaryRpc.serve(pull, request, observer);
  }

  @Override
  public void imageStatus(ImageStatusRequest request, StreamObserver<ImageStatusResponse> observer) {
    UnaryRpc.serve(status, request, observer);
  }

  @Override
  public void listImages(ListImagesRequest request, StreamObserver<ListImagesResponse> observer) {
    UnaryRpc.serve(list, request, observer);
  }

  @Override
  public void removeImage(RemoveImageRequest request, StreamObserver<RemoveImageResponse> observer) {
    UnaryRpc.serve(remove, request, observer);
  }

  @Override
  public void imageFsInfo(ImageFsInfoRequest request, StreamObserver<ImageFsInfoResponse> observer) {
    UnaryRpc.serve(fsInfo, request, observer);
  }
}
