package dev.jcri.server.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.server.config.JcriConfig;
import dev.jcri.server.grpc.CriServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The streaming server's HTTP side, with no session behind it: addresses, TLS, refusals. */
class StreamServerTest {

  final CriServer.EventLoops loops = CriServer.newEventLoops();

  @AfterEach
  void stop() {
    loops.boss().shutdownGracefully(0, 0, TimeUnit.SECONDS);
    loops.workers().shutdownGracefully(0, 0, TimeUnit.SECONDS);
  }

  @Test
  void plainHttp_refusesWhatIsNotAnUpgradeOrHasNoToken() throws Exception {
    try (StreamServer s = StreamServer.start(new JcriConfig.Stream("127.0.0.1", 0, false, "", ""), loops.workers(),
        null, null)) {
      assertTrue(s.base().matches("http://127\\.0\\.0\\.1:\\d+"), s.base());
      HttpClient http = HttpClient.newHttpClient();
      assertEquals(404, get(http, s.base() + "/exec/AAAAAAAAAAAAAAAAAAAAAA"));
      assertEquals(404, get(http, s.base() + "/elsewhere"));
      String url = s.urlFor(new StreamRequest.Exec("c", List.of("sh"), false, false, true, false));
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(400, r.statusCode(), "a token used without an upgrade");
      assertTrue(r.body().contains("SPDY/3.1 or WebSocket"), r.body());
      assertEquals(404, get(http, url), "and it is used up");
    }
  }

  @Test
  void tls_selfSignedWhenNoCertificateIsConfigured() throws Exception {
    try (StreamServer s = StreamServer.start(new JcriConfig.Stream("127.0.0.1", 0, true, "", ""), loops.workers(),
        null, null)) {
      assertTrue(s.base().startsWith("https://127.0.0.1:"), s.base());
      SSLContext trustAll = SSLContext.getInstance("TLS");
      trustAll.init(null, new TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, null);
      HttpClient https = HttpClient.newBuilder().sslContext(trustAll).build();
      HttpResponse<Void> r = https.send(HttpRequest.newBuilder(URI.create(s.base() + "/exec/AAAAAAAAAAAAAAAAAAAAAA"))
          .build(), HttpResponse.BodyHandlers.discarding());
      assertEquals(404, r.statusCode());
      SSLSession session = r.sslSession().orElseThrow();
      X509Certificate cert = (X509Certificate) session.getPeerCertificates()[0];
      assertTrue(cert.getSubjectX500Principal().getName().contains("jcri"), cert.getSubjectX500Principal().getName());
    }
  }

  static int get(HttpClient http, String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
