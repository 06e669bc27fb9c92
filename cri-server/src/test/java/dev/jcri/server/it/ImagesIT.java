package dev.jcri.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.cri.v1.AuthConfig;
import dev.jcri.cri.v1.ImageFilter;
import dev.jcri.cri.v1.ImageFsInfoRequest;
import dev.jcri.cri.v1.ImageFsInfoResponse;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.ImageStatusRequest;
import dev.jcri.cri.v1.ImageStatusResponse;
import dev.jcri.cri.v1.ListImagesRequest;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemoveImageRequest;
import dev.jcri.image.testing.LocalRegistry;
import dev.jcri.image.testing.RegistryPusher;
import dev.jcri.image.testing.TestImage;
import dev.jcri.server.JcriDaemon;
import dev.jcri.server.config.ConfigLoader;
import dev.jcri.server.config.JcriConfig;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ImageService RPCs through jcri's socket, pulling from a real registry on loopback. */
class ImagesIT {

  @TempDir static Path dir;
  static LocalRegistry registry;
  static TestPaths paths;
  static JcriConfig config;
  static JcriDaemon daemon;
  static CriSocket client;
  static TestImage.Built image;
  static String ref;

  @BeforeAll
  static void start() throws Exception {
    registry = LocalRegistry.start(dir.resolve("registry"));
    image = new TestImage().busyboxLayer().build();
    new RegistryPusher(registry).push("it/busybox", "1.0", image);
    ref = registry.host() + "/it/busybox:1.0";
    paths = new TestPaths(dir.resolve("jcri"));
    config = ConfigLoader.fromToml(paths.toml("[registry]\npinned_images = [\"" + ref + "\"]"), "test");
    daemon = JcriDaemon.start(config, OpenTelemetry.noop());
    client = new CriSocket(paths.socket());
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    daemon.close();
    registry.close();
  }

  static ImageSpec spec(String image) {
    return ImageSpec.newBuilder().setImage(image).build();
  }

  @Test
  void pullStatusListRemove_roundTrip_andSurvivesRestart() throws Exception {
    String id = client.images().pullImage(PullImageRequest.newBuilder().setImage(spec(ref)).build()).getImageRef();
    assertEquals(image.configDigest(), id);

    ImageStatusResponse status = client.images().imageStatus(ImageStatusRequest.newBuilder()
        .setImage(spec(ref)).setVerbose(true).build());
    assertEquals(id, status.getImage().getId());
    assertTrue(status.getImage().getPinned(), "a configured pinned image is reported pinned");
    JsonNode info = new ObjectMapper().readTree(status.getInfoOrThrow("info"));
    assertEquals(1, info.path("chain_ids").size());

    assertEquals(1, client.images().listImages(ListImagesRequest.newBuilder()
        .setFilter(ImageFilter.newBuilder().setImage(spec(ref))).build()).getImagesCount());
    assertEquals(0, client.images().listImages(ListImagesRequest.newBuilder()
        .setFilter(ImageFilter.newBuilder().setImage(spec(registry.host() + "/it/other:1"))).build()).getImagesCount());

    ImageFsInfoResponse fs = client.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance());
    assertTrue(fs.getImageFilesystems(0).getUsedBytes().getValue() > 1_000_000, "busybox is over 1 MB");
    assertTrue(fs.getImageFilesystems(0).getInodesUsed().getValue() > 10);

    daemon.close();
    daemon = JcriDaemon.start(config, OpenTelemetry.noop());
    client.close();
    client = new CriSocket(paths.socket());
    assertEquals(id, client.images().imageStatus(ImageStatusRequest.newBuilder().setImage(spec(id)).build())
        .getImage().getId(), "the image survives a restart of jcri");

    client.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec(id)).build());
    assertFalse(client.images().imageStatus(ImageStatusRequest.newBuilder().setImage(spec(ref)).build()).hasImage(),
        "an absent image is an empty answer, not an error");
    client.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec(id)).build());
  }

  @Test
  void badReference_isInvalidArgument_missingImage_isNotFound() {
    StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> client.images().pullImage(
        PullImageRequest.newBuilder().setImage(spec("Not//Valid")).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
    assertTrue(bad.getStatus().getDescription().contains("Not//Valid"));

    StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> client.images().pullImage(
        PullImageRequest.newBuilder().setImage(spec(registry.host() + "/it/missing:1")).build()));
    assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());

    StatusRuntimeException empty = assertThrows(StatusRuntimeException.class, () -> client.images().pullImage(
        PullImageRequest.getDefaultInstance()));
    assertEquals(Status.Code.INVALID_ARGUMENT, empty.getStatus().getCode());

    StatusRuntimeException badAuth = assertThrows(StatusRuntimeException.class, () -> client.images().pullImage(
        PullImageRequest.newBuilder().setImage(spec(ref)).setAuth(AuthConfig.newBuilder().setAuth("%%%")).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, badAuth.getStatus().getCode());
  }
}
