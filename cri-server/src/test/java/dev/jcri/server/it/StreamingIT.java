package dev.jcri.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcri.cri.v1.AttachRequest;
import dev.jcri.cri.v1.ContainerConfig;
import dev.jcri.cri.v1.ExecRequest;
import dev.jcri.cri.v1.ImageSpec;
import dev.jcri.cri.v1.Int64Value;
import dev.jcri.cri.v1.LinuxContainerConfig;
import dev.jcri.cri.v1.LinuxContainerSecurityContext;
import dev.jcri.cri.v1.ListPodSandboxRequest;
import dev.jcri.cri.v1.NamespaceMode;
import dev.jcri.cri.v1.PodSandboxConfig;
import dev.jcri.cri.v1.PortForwardRequest;
import dev.jcri.cri.v1.PullImageRequest;
import dev.jcri.cri.v1.RemovePodSandboxRequest;
import dev.jcri.cri.v1.StopContainerRequest;
import dev.jcri.image.testing.LocalRegistry;
import dev.jcri.image.testing.RegistryPusher;
import dev.jcri.image.testing.TestImage;
import dev.jcri.server.JcriDaemon;
import dev.jcri.server.config.ConfigLoader;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exec, attach and port-forward through jcri's streaming server, driven by SPDY and WebSocket clients as
 * kubectl and crictl drive them, against real containers.
 */
class StreamingIT {

  @TempDir static Path dir;
  static JcriFixture fixture;
  static CriSocket client;
  static String image;
  static PodSandboxConfig.Builder podConfig;
  static String pod;
  static String sleeper;
  static Workloads w;
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> V4 = List.of("v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io",
      "channel.k8s.io");

  @BeforeAll
  static void start() throws Exception {
    fixture = JcriFixture.start(dir);
    client = fixture.client;
    image = fixture.image;
    w = fixture.workloads;
    podConfig = w.podConfig(NamespaceMode.CONTAINER);
    pod = w.runPod(podConfig, "");
    sleeper = w.run(pod, podConfig, w.ctr("sleeper", "/bin/sleep", "3600"));
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
    // crun 1.8 chowns an exec's stdio to the exec's user: the node's /dev/null must never be among them.
    assertEquals(0, Files.getAttribute(Path.of("/dev/null"), "unix:uid"), "the node's /dev/null is still root's");
  }


  static String execUrl(String container, boolean tty, boolean stdin, boolean stdout, boolean stderr,
      String... cmd) {
    return client.runtime().exec(ExecRequest.newBuilder().setContainerId(container).addAllCmd(List.of(cmd))
        .setTty(tty).setStdin(stdin).setStdout(stdout).setStderr(stderr).build()).getUrl();
  }

  static JsonNode status(byte[] error) throws Exception {
    return JSON.readTree(error);
  }

  static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  // ---- exec over SPDY ----

  @Test
  void spdyExec_outputStreamsAndExitCode() throws Exception {
    String url = execUrl(sleeper, false, false, true, true, "sh", "-c", "echo hello; echo oops >&2; exit 3");
    assertTrue(url.matches("http://127\\.0\\.0\\.1:\\d+/exec/[A-Za-z0-9_-]{16,}"), url);
    try (SpdyTestClient c = SpdyTestClient.connect(url, V4)) {
      assertEquals(101, c.status());
      assertEquals("v4.channel.k8s.io", c.protocol());
      int error = c.open("error");
      int out = c.open("stdout");
      int err = c.open("stderr");
      assertEquals("hello\n", c.readString(out));
      assertEquals("oops\n", c.readString(err));
      JsonNode st = status(c.readAll(error, Duration.ofSeconds(30)));
      assertEquals("Failure", st.path("status").asText());
      assertEquals("NonZeroExitCode", st.path("reason").asText());
      assertEquals("ExitCode", st.at("/details/causes/0/reason").asText());
      assertEquals("3", st.at("/details/causes/0/message").asText());
    }
    try (SpdyTestClient c = SpdyTestClient.connect(execUrl(sleeper, false, false, true, false, "true"), V4)) {
      int error = c.open("error");
      c.open("stdout");
      assertEquals("Success", status(c.readAll(error, Duration.ofSeconds(30))).path("status").asText());
    }
  }

  /**
   * An exec as a non-root user, with stdin and stderr not asked for: crun 1.8 chowns an exec's stdio to its user,
   * so none of them may be the node's /dev/null.
   */
  @Test
  void execAsAnotherUser_leavesTheNodesDevNullAlone() throws Exception {
    String app = w.run(pod, podConfig, w.ctr("app-user", "/bin/sleep", "3600").setLinux(LinuxContainerConfig
        .newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
            .setRunAsUser(Int64Value.newBuilder().setValue(1000)))));
    try (SpdyTestClient c = SpdyTestClient.connect(execUrl(app, false, false, true, false, "id", "-u"), V4)) {
      int error = c.open("error");
      int out = c.open("stdout");
      assertEquals("1000\n", c.readString(out));
      c.readAll(error, Duration.ofSeconds(30));
    }
    assertEquals(0, Files.getAttribute(Path.of("/dev/null"), "unix:uid"), "the node's /dev/null is still root's");
  }

  @Test
  void spdyExec_oldProtocolsReportFailureAsText() throws Exception {
    try (SpdyTestClient c = SpdyTestClient.connect(execUrl(sleeper, false, false, true, false, "sh", "-c",
        "exit 4"), List.of("v2.channel.k8s.io"))) {
      assertEquals("v2.channel.k8s.io", c.protocol());
      int error = c.open("error");
      c.open("stdout");
      assertTrue(c.readString(error).contains("exit status 4"));
    }
  }

  @Test
  void spdyExec_tenMebibytesThroughStdin() throws Exception {
    byte[] data = new byte[10 << 20];
    new Random(7).nextBytes(data);
    try (SpdyTestClient c = SpdyTestClient.connect(execUrl(sleeper, false, true, true, true, "sha256sum"), V4)) {
      int error = c.open("error");
      int in = c.open("stdin");
      int out = c.open("stdout");
      c.open("stderr");
      c.send(in, data);
      c.finish(in);
      assertEquals(sha256(data) + "  -\n", c.readString(out));
      assertEquals("Success", status(c.readAll(error, Duration.ofSeconds(60))).path("status").asText());
    }
  }

  @Test
  void spdyExec_tenMebibytesOfOutput() throws Exception {
    try (SpdyTestClient c = SpdyTestClient.connect(execUrl(sleeper, false, false, true, false, "sh", "-c",
        "head -c 10485760 /dev/zero | tr '\\0' x"), V4)) {
      int error = c.open("error");
      int out = c.open("stdout");
      byte[] got = c.readAll(out, Duration.ofSeconds(60));
      assertEquals(10 << 20, got.length);
      assertEquals("Success", status(c.readAll(error, Duration.ofSeconds(30))).path("status").asText());
    }
  }

  @Test
  void spdyExec_slowReaderHoldsTheWriterBack() throws Exception {
    try (SpdyTestClient c = SpdyTestClient.connect(execUrl(sleeper, false, false, true, false, "sh", "-c",
        "rm -f /tmp/wrote; head -c 67108864 /dev/zero; touch /tmp/wrote"), V4)) {
      int error = c.open("error");
      int out = c.open("stdout");
      c.channel.config().setAutoRead(false);
      Thread.sleep(3000);
      assertEquals(1, w.exec(sleeper, "sh", "-c", "test -e /tmp/wrote").getExitCode(),
          "with nobody reading, 64 MiB cannot all have been written: jcri does not buffer a whole stream");
      c.channel.config().setAutoRead(true);
      assertEquals(64 << 20, c.readAll(out, Duration.ofSeconds(120)).length);
      assertEquals("Success", status(c.readAll(error, Duration.ofSeconds(30))).path("status").asText());
    }
  }

  @Test
  void spdyExec_terminalWithResize() throws Exception {
    try (SpdyTestClient c = SpdyTestClient.connect(execUrl(sleeper, true, true, true, false, "sh", "-c",
        "stty size; tty; read x; stty size; exit 0"), V4)) {
      int error = c.open("error");
      int in = c.open("stdin");
      int out = c.open("stdout");
      int resize = c.open("resize");
      c.send(resize, "{\"Width\":123,\"Height\":45}".getBytes(StandardCharsets.UTF_8));
      awaitContains(() -> new String(c.soFar(out), StandardCharsets.UTF_8), "/dev/pts/");
      c.send(resize, "{\"Width\":80,\"Height\":20}".getBytes(StandardCharsets.UTF_8));
      Thread.sleep(200);
      c.send(in, "go\n".getBytes(StandardCharsets.UTF_8));
      String text = c.readString(out);
      assertTrue(text.startsWith("45 123\r\n"), text);
      assertTrue(text.contains("20 80\r\n"), text);
      assertEquals("Success", status(c.readAll(error, Duration.ofSeconds(30))).path("status").asText());
    }
  }

  @Test
  void spdyExec_clientGoneKillsTheCommand() throws Exception {
    SpdyTestClient c = SpdyTestClient.connect(execUrl(sleeper, false, false, true, false, "sleep", "4242"), V4);
    c.open("error");
    c.open("stdout");
    awaitContains(() -> w.exec(sleeper, "ps", "-o", "args").getStdout().toStringUtf8(), "sleep 4242");
    c.close();
    for (int i = 0; i < 100; i++) {
      if (!w.exec(sleeper, "ps", "-o", "args").getStdout().toStringUtf8().contains("sleep 4242")) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the exec'd command outlived its session");
  }

  @Test
  void spdyExec_fiftyConcurrentSessions() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(50);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        int n = i;
        results.add(pool.submit(() -> {
          try (SpdyTestClient c = SpdyTestClient.connect(execUrl(sleeper, false, false, true, false, "echo",
              "session-" + n), V4)) {
            int error = c.open("error");
            int out = c.open("stdout");
            String text = c.readString(out);
            c.readAll(error, Duration.ofSeconds(60));
            return text;
          }
        }));
      }
      for (int i = 0; i < 50; i++) {
        assertEquals("session-" + i + "\n", results.get(i).get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void spdyExec_terminalCommandsThatFail_leakNoThreadFdOrProcess() throws Exception {
    Runnable once = () -> {
      try (SpdyTestClient c = SpdyTestClient.connect(execUrl(sleeper, true, true, true, false,
          "/no/such/command"), V4)) {
        int error = c.open("error");
        c.open("stdin");
        c.open("stdout");
        c.open("resize");
        JsonNode st = status(c.readAll(error, Duration.ofSeconds(30)));
        assertEquals("Failure", st.path("status").asText(), st.toString());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    };
    once.run();
    Thread.sleep(500);
    long fds = openFds();
    int threads = Thread.getAllStackTraces().size();
    for (int i = 0; i < 20; i++) {
      once.run();
    }
    Thread.sleep(1000);
    assertTrue(openFds() <= fds + 3, "fds before " + fds + ", after " + openFds());
    assertTrue(Thread.getAllStackTraces().size() <= threads + 3, "threads before " + threads + ", after "
        + Thread.getAllStackTraces().size());
    assertEquals("", PodNetworkFixture.run("sh", "-c", "ps -eo args | grep '[c]run --root=.* exec' || true").strip(),
        "no runtime exec process left");
  }

  static long openFds() throws Exception {
    try (var s = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  // ---- tokens and protocol negotiation ----

  @Test
  void tokens_singleUseAndUnknownGet404() throws Exception {
    String url = execUrl(sleeper, false, false, true, false, "true");
    try (SpdyTestClient c = SpdyTestClient.connect(url, V4)) {
      assertEquals(101, c.status());
    }
    try (SpdyTestClient again = SpdyTestClient.connect(url, V4)) {
      assertEquals(404, again.status());
      assertFalse(again.body().contains(sleeper), "nothing about the target leaks");
    }
    String other = url.replaceAll("/exec/.*", "/exec/AAAAAAAAAAAAAAAAAAAAAA");
    try (SpdyTestClient unknown = SpdyTestClient.connect(other, V4)) {
      assertEquals(404, unknown.status());
    }
    String attachPath = execUrl(sleeper, false, false, true, false, "true").replace("/exec/", "/attach/");
    try (SpdyTestClient wrongKind = SpdyTestClient.connect(attachPath, V4)) {
      assertEquals(404, wrongKind.status(), "an exec token does not open an attach");
    }
  }

  @Test
  void negotiation_unknownProtocolRefused() throws Exception {
    try (SpdyTestClient c = SpdyTestClient.connect(execUrl(sleeper, false, false, true, false, "true"),
        List.of("v9.channel.k8s.io"))) {
      assertEquals(403, c.status());
      assertTrue(c.body().contains("unable to negotiate protocol"), c.body());
    }
  }

  // ---- exec over WebSocket ----

  @Test
  void webSocketExec_v5StdinCloseSignal() throws Exception {
    String url = execUrl(sleeper, false, true, true, true, "sh", "-c", "cat; echo done >&2; exit 2");
    try (WsTestClient c = WsTestClient.connect(url, "v5.channel.k8s.io,v4.channel.k8s.io")) {
      assertEquals("v5.channel.k8s.io", c.protocol);
      byte[] data = new byte[3 << 20];
      new Random(3).nextBytes(data);
      c.send(0, data);
      c.closeChannel(0);
      c.awaitClose();
      assertEquals(sha256(data), sha256(c.received(1)));
      assertEquals("done\n", c.text(2));
      JsonNode st = JSON.readTree(c.received(3));
      assertEquals("2", st.at("/details/causes/0/message").asText(), st.toString());
      assertEquals(0, (int) c.messageSizes(1).get(0), "an empty first message on stdout says the session is up");
    }
  }

  @Test
  void webSocketExec_base64() throws Exception {
    String url = execUrl(sleeper, false, false, true, false, "echo", "über");
    try (WsTestClient c = WsTestClient.connect(url, "base64.channel.k8s.io")) {
      assertEquals("base64.channel.k8s.io", c.protocol);
      c.awaitClose();
      assertEquals("über\n", c.text(1));
      assertEquals("", c.text(3), "old protocols say nothing on success");
    }
  }

  @Test
  void webSocketExec_terminal() throws Exception {
    String url = execUrl(sleeper, true, true, true, false, "sh", "-c", "read x; stty size");
    try (WsTestClient c = WsTestClient.connect(url, "v4.channel.k8s.io")) {
      c.send(4, "{\"Width\":99,\"Height\":33}".getBytes(StandardCharsets.UTF_8));
      Thread.sleep(300);
      c.send(0, "x\r".getBytes(StandardCharsets.UTF_8));
      c.awaitClose();
      assertTrue(c.text(1).contains("33 99"), c.text(1));
      assertEquals("Success", JSON.readTree(c.received(3)).path("status").asText());
    }
  }

  // ---- attach ----

  @Test
  void attach_spdyStdinAndOutput() throws Exception {
    ContainerConfig.Builder cfg = w.ctr("echoer", "/bin/sh", "-c",
        "while read l; do echo got:$l; echo err:$l >&2; done; echo bye").setStdin(true).setStdinOnce(true);
    String id = w.run(pod, podConfig, cfg);
    String url = client.runtime().attach(AttachRequest.newBuilder().setContainerId(id).setStdin(true)
        .setStdout(true).setStderr(true).build()).getUrl();
    assertTrue(url.contains("/attach/"), url);
    try (SpdyTestClient c = SpdyTestClient.connect(url, V4)) {
      int error = c.open("error");
      int in = c.open("stdin");
      int out = c.open("stdout");
      int err = c.open("stderr");
      c.send(in, "one\n".getBytes(StandardCharsets.UTF_8));
      awaitContains(() -> new String(c.soFar(out), StandardCharsets.UTF_8), "got:one");
      c.send(in, "two\n".getBytes(StandardCharsets.UTF_8));
      c.finish(in);
      assertEquals("got:one\ngot:two\nbye\n", c.readString(out), "stdin_once: the container's stdin closes");
      assertEquals("err:one\nerr:two\n", c.readString(err));
      assertEquals("Success", status(c.readAll(error, Duration.ofSeconds(30))).path("status").asText());
    }
    w.awaitExit(id);
  }

  @Test
  void attach_webSocketOutputOnly() throws Exception {
    String id = w.run(pod, podConfig, w.ctr("ticker", "/bin/sh", "-c",
        "while true; do echo tick; sleep 0.1; done"));
    String url = client.runtime().attach(AttachRequest.newBuilder().setContainerId(id).setStdout(true).build())
        .getUrl();
    try (WsTestClient c = WsTestClient.connect(url, "v4.channel.k8s.io")) {
      awaitContains(() -> c.text(1), "tick\ntick\n");
      client.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(1).build());
      c.awaitClose();
      assertEquals("Success", JSON.readTree(c.received(3)).path("status").asText());
    }
  }

  @Test
  void attach_terminalResizeThroughConmon() throws Exception {
    String id = w.run(pod, podConfig, w.ctr("tty", "/bin/sh", "-c",
        "while true; do stty size; sleep 0.1; done").setTty(true).setStdin(true));
    String url = client.runtime().attach(AttachRequest.newBuilder().setContainerId(id).setTty(true)
        .setStdout(true).build()).getUrl();
    try (SpdyTestClient c = SpdyTestClient.connect(url, V4)) {
      c.open("error");
      int out = c.open("stdout");
      int resize = c.open("resize");
      c.send(resize, "{\"Width\":111,\"Height\":22}".getBytes(StandardCharsets.UTF_8));
      awaitContains(() -> new String(c.soFar(out), StandardCharsets.UTF_8), "22 111");
    }
  }

  // ---- port-forward ----

  /** A web server in the test pod on {@code port} (each test its own: they share the pod's network). */
  static String webServer(int port) throws Exception {
    String id = w.run(pod, podConfig, w.ctr("web" + port, "/bin/sh", "-c",
        "mkdir -p /www && head -c 10485760 /dev/urandom > /www/big && echo hello-web > /www/index.html"
            + " && exec httpd -f -p " + port + " -h /www"));
    awaitContains(() -> w.exec(id, "ls", "/www").getStdout().toStringUtf8(), "index.html");
    awaitContains(() -> w.exec(id, "netstat", "-ltn").getStdout().toStringUtf8(), ":" + port);
    return id;
  }

  static byte[] httpGet(SpdyTestClient c, String path, int requestId) throws Exception {
    int error = c.open(Map.of("streamtype", "error", "port", "8080", "requestid", Integer.toString(requestId)));
    int data = c.open(Map.of("streamtype", "data", "port", "8080", "requestid", Integer.toString(requestId)));
    c.send(data, ("GET " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    byte[] response = c.readAll(data, Duration.ofSeconds(60));
    assertEquals("", c.readString(error));
    String head = new String(response, StandardCharsets.ISO_8859_1);
    int bodyAt = head.indexOf("\r\n\r\n") + 4;
    head = head.substring(0, Math.min(200, head.length()));
    assertTrue(head.startsWith("HTTP/1.") && head.contains(" 200 "), head);
    return java.util.Arrays.copyOfRange(response, bodyAt, response.length);
  }

  @Test
  void portForward_spdyManyConnectionsAndTenMebibytes() throws Exception {
    String web = webServer(8080);
    String url = client.runtime().portForward(PortForwardRequest.newBuilder().setPodSandboxId(pod).addPort(8080)
        .build()).getUrl();
    assertTrue(url.contains("/portforward/"), url);
    try (SpdyTestClient c = SpdyTestClient.connect(url, List.of("portforward.k8s.io"))) {
      assertEquals("portforward.k8s.io", c.protocol());
      assertEquals("hello-web\n", new String(httpGet(c, "/index.html", 0), StandardCharsets.UTF_8));
      byte[] big = httpGet(c, "/big", 1);
      String inPod = w.exec(web, "sha256sum", "/www/big").getStdout().toStringUtf8().split(" ")[0];
      assertEquals(inPod, sha256(big));
      for (int i = 2; i < 12; i++) {
        assertEquals("hello-web\n", new String(httpGet(c, "/index.html", i), StandardCharsets.UTF_8));
      }
      int error = c.open(Map.of("streamtype", "error", "port", "9", "requestid", "99"));
      c.open(Map.of("streamtype", "data", "port", "9", "requestid", "99"));
      String refused = c.readString(error);
      assertTrue(refused.contains("port 9") && refused.toLowerCase().contains("refused"), refused);
    }
  }

  @Test
  void portForward_uploadTenMebibytes() throws Exception {
    String id = w.run(pod, podConfig, w.ctr("sink", "/bin/sh", "-c",
        "nc -l -p 9000 > /tmp/upload; sha256sum /tmp/upload > /tmp/sum; sleep 3600"));
    awaitContains(() -> w.exec(id, "netstat", "-ltn").getStdout().toStringUtf8(), ":9000");
    byte[] data = new byte[10 << 20];
    new Random(11).nextBytes(data);
    String url = client.runtime().portForward(PortForwardRequest.newBuilder().setPodSandboxId(pod).build()).getUrl();
    try (SpdyTestClient c = SpdyTestClient.connect(url, List.of("portforward.k8s.io"))) {
      c.open(Map.of("streamtype", "error", "port", "9000", "requestid", "1"));
      int d = c.open(Map.of("streamtype", "data", "port", "9000", "requestid", "1"));
      c.send(d, data);
      c.finish(d);
      awaitContains(() -> w.exec(id, "cat", "/tmp/sum").getStdout().toStringUtf8(), "/tmp/upload");
    }
    assertEquals(sha256(data), w.exec(id, "cat", "/tmp/sum").getStdout().toStringUtf8().split(" ")[0]);
  }

  @Test
  void portForward_webSocket() throws Exception {
    webServer(8081);
    String url = client.runtime().portForward(PortForwardRequest.newBuilder().setPodSandboxId(pod).addPort(8081)
        .build()).getUrl();
    try (WsTestClient c = WsTestClient.connect(url, "v4.channel.k8s.io")) {
      c.send(0, "GET /index.html HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      c.awaitClose();
      byte[] got = c.received(0);
      assertArrayEquals(new byte[] {(byte) 0x91, 0x1f}, java.util.Arrays.copyOf(got, 2), "the port comes first");
      String text = new String(got, 2, got.length - 2, StandardCharsets.ISO_8859_1);
      assertTrue(text.startsWith("HTTP/1.") && text.endsWith("hello-web\n"), text);
    }
  }

  // ---- the RPCs' own checks ----

  @Test
  void rpcs_refuseBadRequests() {
    assertCode(Status.Code.INVALID_ARGUMENT, () -> execUrl(sleeper, true, false, true, true, "sh"));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> execUrl(sleeper, false, false, false, false, "sh"));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> execUrl(sleeper, false, false, true, false));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> execUrl("", false, false, true, false, "sh"));
    assertCode(Status.Code.NOT_FOUND, () -> execUrl("feedbeef", false, false, true, false, "sh"));
    assertCode(Status.Code.NOT_FOUND, () -> client.runtime().attach(AttachRequest.newBuilder()
        .setContainerId("feedbeef").setStdout(true).build()));
    assertCode(Status.Code.NOT_FOUND, () -> client.runtime().portForward(PortForwardRequest.newBuilder()
        .setPodSandboxId("feedbeef").build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> client.runtime().portForward(PortForwardRequest.newBuilder()
        .setPodSandboxId(pod).addPort(70000).build()));
    String done = w.create(pod, podConfig, w.ctr("never-started", "true"));
    assertCode(Status.Code.FAILED_PRECONDITION, () -> execUrl(done, false, false, true, false, "sh"));
  }

  static void assertCode(Status.Code code, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
  }

  interface Probe {
    String get() throws Exception;
  }

  static void awaitContains(Probe probe, String text) throws Exception {
    String last = "";
    for (int i = 0; i < 300; i++) {
      last = probe.get();
      if (last.contains(text)) {
        return;
      }
      Thread.sleep(30);
    }
    throw new AssertionError("never saw \"" + text + "\" in: " + last);
  }
}
