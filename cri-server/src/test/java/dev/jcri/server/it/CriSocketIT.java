package dev.jcri.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.common.FailedPreconditionException;
import dev.jcri.cri.v1.CgroupDriver;
import dev.jcri.cri.v1.ImageServiceGrpc;
import dev.jcri.cri.v1.NetworkConfig;
import dev.jcri.cri.v1.RuntimeCondition;
import dev.jcri.cri.v1.RuntimeConfig;
import dev.jcri.cri.v1.RuntimeConfigRequest;
import dev.jcri.cri.v1.RuntimeServiceGrpc;
import dev.jcri.cri.v1.StatusRequest;
import dev.jcri.cri.v1.StatusResponse;
import dev.jcri.cri.v1.UpdateRuntimeConfigRequest;
import dev.jcri.cri.v1.VersionRequest;
import dev.jcri.cri.v1.VersionResponse;
import dev.jcri.server.JcriDaemon;
import dev.jcri.server.config.ConfigLoader;
import dev.jcri.server.config.JcriConfig;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jcri in this JVM, spoken to through its real unix socket with the generated stubs. */
class CriSocketIT {

  @TempDir static Path dir;
  static TestPaths paths;
  static JcriConfig config;
  static JcriDaemon daemon;
  static CriSocket client;

  /** RPCs this build implements; every other one must answer UNIMPLEMENTED. */
  static final Set<String> BUILT = Set.of("Version", "Status", "UpdateRuntimeConfig", "RuntimeConfig",
      "PullImage", "ImageStatus", "ListImages", "RemoveImage", "ImageFsInfo",
      "RunPodSandbox", "StopPodSandbox", "RemovePodSandbox", "PodSandboxStatus", "ListPodSandbox",
      "PodSandboxStats", "ListPodSandboxStats", "UpdatePodSandboxResources",
      "CreateContainer", "StartContainer", "StopContainer", "RemoveContainer", "ListContainers", "ContainerStatus",
      "ExecSync", "Exec", "Attach", "PortForward", "ReopenContainerLog", "ContainerStats", "ListContainerStats",
      "UpdateContainerResources",
      "GetContainerEvents", "ListMetricDescriptors", "ListPodSandboxMetrics",
      "StreamPodSandboxes", "StreamContainers", "StreamContainerStats", "StreamPodSandboxStats",
      "StreamPodSandboxMetrics", "StreamImages", "CheckpointContainer");

  @BeforeAll
  static void start() throws IOException {
    paths = new TestPaths(dir);
    config = ConfigLoader.fromToml(paths.toml(""), "test");
    daemon = JcriDaemon.start(config, OpenTelemetry.noop());
    client = new CriSocket(paths.socket());
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    daemon.close();
    assertFalse(Files.exists(paths.socket()), "closing removes the socket");
  }

  @Test
  void version_namesJcriAndV1() {
    VersionResponse v = client.runtime().version(VersionRequest.newBuilder().setVersion("0.1.0").build());
    assertEquals("jcri", v.getRuntimeName());
    assertEquals("v1", v.getRuntimeApiVersion());
    assertEquals("0.1.0", v.getVersion());
    assertFalse(v.getRuntimeVersion().isEmpty());
  }

  @Test
  void status_networkReadyFollowsTheCniConfig() throws IOException {
    Map<String, RuntimeCondition> before = conditions(client.runtime().status(StatusRequest.getDefaultInstance()));
    assertTrue(before.get("RuntimeReady").getStatus());
    assertFalse(before.get("NetworkReady").getStatus());
    assertEquals("NetworkPluginNotReady", before.get("NetworkReady").getReason());
    assertTrue(before.get("NetworkReady").getMessage().contains(paths.cniConfDir().toString()));

    Files.createDirectories(paths.cniConfDir());
    Path conf = paths.cniConfDir().resolve("10-test.conflist");
    Files.writeString(conf, "{\"cniVersion\":\"1.0.0\",\"name\":\"test\",\"plugins\":[{\"type\":\"loopback\"}]}");
    try {
      Map<String, RuntimeCondition> after = conditions(client.runtime().status(StatusRequest.getDefaultInstance()));
      assertTrue(after.get("NetworkReady").getStatus());
    } finally {
      Files.delete(conf);
    }
  }

  @Test
  void status_verbose_givesConfigAndHelperVersionsAsJson() throws IOException {
    StatusResponse s = client.runtime().status(StatusRequest.newBuilder().setVerbose(true).build());
    ObjectMapper json = new ObjectMapper();
    JsonNode cfg = json.readTree(s.getInfoOrThrow("config"));
    assertEquals(paths.socket().toString(), cfg.path("socket").asText());
    assertEquals("/usr/bin/crun", cfg.path("runtimes").path("crun").path("path").asText());
    JsonNode versions = json.readTree(s.getInfoOrThrow("versions"));
    assertTrue(versions.path("crun").asText().startsWith("crun version"), versions.toString());
    assertTrue(versions.path("conmon").asText().startsWith("conmon version"), versions.toString());
    assertTrue(s.getInfoOrThrow("cgroups").contains("cgroupfs"));
    assertFalse(client.runtime().status(StatusRequest.getDefaultInstance()).getInfoMap().containsKey("config"),
        "non-verbose status carries no info");
  }

  @Test
  void runtimeConfig_reportsCgroupfsOnThisHost() {
    assertEquals(CgroupDriver.CGROUPFS, client.runtime().runtimeConfig(RuntimeConfigRequest.getDefaultInstance())
        .getLinux().getCgroupDriver());
  }

  @Test
  void updateRuntimeConfig_keepsPodCidr_andRefusesGarbage() throws IOException {
    client.runtime().updateRuntimeConfig(cidr("10.244.3.0/24"));
    assertEquals("10.244.3.0/24", Files.readString(paths.root().resolve("pod-cidr")));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> client.runtime().updateRuntimeConfig(cidr("10.244.3.0/99")));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("10.244.3.0/99"));
    assertEquals("10.244.3.0/24", Files.readString(paths.root().resolve("pod-cidr")));
  }

  @Test
  void everyUnbuiltRpc_isUnimplementedNamingIt() {
    int checked = 0;
    for (ServiceDescriptor service : List.of(RuntimeServiceGrpc.getServiceDescriptor(),
        ImageServiceGrpc.getServiceDescriptor())) {
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        if (BUILT.contains(method.getBareMethodName())) {
          continue;
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call(method),
            method.getFullMethodName());
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode(), method.getFullMethodName());
        assertTrue(e.getStatus().getDescription().contains(method.getFullMethodName()),
            e.getStatus().getDescription());
        checked++;
      }
    }
    assertEquals(43 - BUILT.size(), checked);
  }

  @Test
  void socket_isMode0660() throws IOException {
    assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(paths.socket())));
    assertEquals("root", Files.getOwner(paths.socket()).getName());
  }

  @Test
  void secondDaemon_withSameState_isRefused() {
    FailedPreconditionException e = assertThrows(FailedPreconditionException.class,
        () -> JcriDaemon.start(config, OpenTelemetry.noop()));
    assertTrue(e.getMessage().contains("another jcri is running"), e.getMessage());
    assertTrue(Files.exists(paths.socket()), "the refused start leaves the live socket alone");
  }

  @SuppressWarnings("unchecked")
  private static <Q, R> void call(MethodDescriptor<Q, R> method) {
    Q request = (Q) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller()).getMessagePrototype();
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
    if (method.getType() == MethodDescriptor.MethodType.UNARY) {
      ClientCalls.blockingUnaryCall(client.channel(), method, options, request);
    } else {
      Iterator<R> it = ClientCalls.blockingServerStreamingCall(client.channel(), method, options, request);
      it.hasNext();
    }
  }

  private static UpdateRuntimeConfigRequest cidr(String cidr) {
    return UpdateRuntimeConfigRequest.newBuilder().setRuntimeConfig(RuntimeConfig.newBuilder()
        .setNetworkConfig(NetworkConfig.newBuilder().setPodCidr(cidr))).build();
  }

  private static Map<String, RuntimeCondition> conditions(StatusResponse s) {
    Map<String, RuntimeCondition> map = new java.util.HashMap<>();
    s.getStatus().getConditionsList().forEach(c -> map.put(c.getType(), c));
    return map;
  }
}
