package dev.jcri.server.rpc;

import dev.jcri.cri.v1.ImageServiceGrpc;

/**
 * The ImageService edge. Until the image service lands, every RPC falls through to the generated base and
 * answers UNIMPLEMENTED naming the method.
 */
public final class ImageServiceImpl extends ImageServiceGrpc.ImageServiceImplBase {}
