package dev.jcri.server.rpc;

import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.image.ImageService;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;

/** The ImageService edge: each RPC bound once, to the class that serves it. */
public final class ImageServiceImpl implements BindableService {

  private final ServerServiceDefinition definition;

  public ImageServiceImpl(ImageService images) {
    ListImagesRpc listImages = new ListImagesRpc(images);
    this.definition = new ServiceTable(ImageServiceGrpc.getServiceDescriptor())
        .unary(ImageServiceGrpc.getPullImageMethod(), new PullImageRpc(images))
        .unary(ImageServiceGrpc.getImageStatusMethod(), new ImageStatusRpc(images))
        .unary(ImageServiceGrpc.getListImagesMethod(), listImages)
        .serverStreaming(ImageServiceGrpc.getStreamImagesMethod(), new ListStreamRpcs.Images(listImages))
        .unary(ImageServiceGrpc.getRemoveImageMethod(), new RemoveImageRpc(images))
        .unary(ImageServiceGrpc.getImageFsInfoMethod(), new ImageFsInfoRpc(images))
        .build();
  }

  @Override
  public ServerServiceDefinition bindService() {
    return definition;
  }
}
