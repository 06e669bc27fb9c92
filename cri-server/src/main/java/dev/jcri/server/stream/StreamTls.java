package dev.jcri.server.stream;

import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.HelperProcess;
import dev.jcri.common.Log;
import dev.jcri.common.Spawn;
import dev.jcri.server.config.JcriConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;

/** The streaming server's TLS: the configured PEM pair, or a self-signed certificate made at start. */
final class StreamTls {

  private static final Log LOG = Log.of(StreamTls.class);

  private StreamTls() {}

  /** The server context, or null when TLS is off. */
  static SslContext context(JcriConfig.Stream config) {
    if (!config.tls()) {
      return null;
    }
    try {
      if (!config.tlsCert().isEmpty()) {
        return SslContextBuilder.forServer(new File(config.tlsCert()), new File(config.tlsKey())).build();
      }
      return SslContextBuilder.forServer(selfSigned(config.address())).build();
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new FailedPreconditionException("setting up TLS for the streaming server: " + e.getMessage(), e);
    }
  }

  /** A new EC key and self-signed certificate for the listen address, made by the JDK's keytool. */
  private static KeyManagerFactory selfSigned(String address) throws IOException, GeneralSecurityException {
    Path dir = Files.createTempDirectory("jcri-stream-tls");
    Path store = dir.resolve("stream.p12");
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    String password = HexFormat.of().formatHex(secret);
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    String san = "dns:localhost,ip:127.0.0.1" + (address.matches("[0-9.]+") && !address.equals("127.0.0.1")
        && !address.equals("0.0.0.0") ? ",ip:" + address : "");
    try {
      HelperProcess p = Spawn.of(List.of(keytool, "-genkeypair", "-alias", "jcri-stream", "-keyalg", "EC",
          "-groupname", "secp256r1", "-dname", "CN=jcri streaming server", "-ext", "SAN=" + san, "-validity",
          "365", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", password))
          .stdoutPipe().stderrToStdout().start();
      String out;
      try (InputStream o = p.stdout()) {
        out = new String(o.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("keytool failed: " + out.strip());
      }
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(store)) {
        ks.load(in, password.toCharArray());
      }
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, password.toCharArray());
      LOG.info("streaming server uses a self-signed certificate", "subject_alt_names", san);
      return kmf;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making a certificate", e);
    } finally {
      Files.deleteIfExists(store);
      Files.deleteIfExists(dir);
    }
  }
}
