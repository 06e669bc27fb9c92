package dev.jcri.image.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jcri.common.FailedPreconditionException;
import dev.jcri.common.JcriException;
import dev.jcri.image.ImageService;
import dev.jcri.image.registry.Credentials;
import dev.jcri.image.registry.HostsDirectory;
import dev.jcri.image.registry.RegistryHosts;
import dev.jcri.image.testing.LocalRegistry;
import dev.jcri.image.testing.RegistryPusher;
import dev.jcri.image.testing.TestImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registries configured through a hosts directory, as containerd nodes have them: a real registry over HTTPS
 * with a private CA that asks for client certificates (hosts.toml and Docker's file layout, RSA and EC keys in
 * each PEM form openssl writes), and mirrors limited by capabilities.
 */
class RegistryHostsIT {

  @TempDir Path dir;
  private Path certsD;
  private final AtomicInteger stores = new AtomicInteger();

  @BeforeEach
  void setUp() throws IOException {
    certsD = dir.resolve("certs.d");
    Files.createDirectories(certsD);
  }

  /** A fresh image store each time, so every pull talks to the registry. */
  private ImageService images() {
    return new ImageService(new ImageService.Settings(dir.resolve("jcri-" + stores.incrementAndGet()),
        new RegistryHosts(Map.of(), Set.of(), new HostsDirectory(List.of(certsD))), 3, 1L << 32, Set.of()));
  }

  @Test
  void privateCa_andClientCertificates_fromHostsToml() throws Exception {
    Pki pki = new Pki(dir.resolve("pki"));
    TestImage.Built image = new TestImage().layer(TestImage.Compression.GZIP, t -> t.file("a", "a", 0644)).build();
    pushPlain(dir.resolve("reg"), "team/app", "v1", image);
    try (LocalRegistry registry = LocalRegistry.startTls(dir.resolve("reg"), pki.serverCert, pki.serverKey,
        pki.caCert)) {
      String ref = registry.host() + "/team/app:v1";
      Path host = certsD.resolve("127.0.0.1_" + registry.port() + "_");
      Files.createDirectories(host);
      Files.copy(pki.caCert, host.resolve("ca.pem"));
      String server = "server = \"https://" + registry.host() + "\"\n";

      // A CA and an RSA client key in PKCS#8, named relative to the host's directory.
      Files.writeString(host.resolve("hosts.toml"), server + "ca = \"ca.pem\"\nclient = [[\"" + pki.rsaClientCert
          + "\", \"" + pki.rsaClientKeyPkcs8 + "\"]]\n");
      assertEquals(image.configDigest(), images().pull(ref, Credentials.NONE).id());

      // The same pair as PKCS#1 ("RSA PRIVATE KEY"); then an EC key in SEC 1 form with its certificate in one file.
      Files.writeString(host.resolve("hosts.toml"), server + "ca = \"ca.pem\"\nclient = [[\"" + pki.rsaClientCert
          + "\", \"" + pki.rsaClientKeyPkcs1 + "\"]]\n");
      assertEquals(image.configDigest(), images().pull(ref, Credentials.NONE).id());
      Files.writeString(host.resolve("hosts.toml"), server + "ca = [\"ca.pem\"]\nclient = \"" + pki.ecClientBoth
          + "\"\n");
      assertEquals(image.configDigest(), images().pull(ref, Credentials.NONE).id());

      // Without the client certificate the registry refuses the handshake; without the CA jcri refuses the server.
      Files.writeString(host.resolve("hosts.toml"), server + "ca = \"ca.pem\"\n");
      JcriException noClient = assertThrows(JcriException.class, () -> images().pull(ref, Credentials.NONE));
      assertTrue(noClient.getMessage().contains("cannot reach https://" + registry.host()), noClient.getMessage());
      Files.writeString(host.resolve("hosts.toml"), server + "client = \"" + pki.ecClientBoth + "\"\n");
      JcriException untrusted = assertThrows(JcriException.class, () -> images().pull(ref, Credentials.NONE));
      assertTrue(untrusted.getMessage().contains("cannot reach https://" + registry.host()), untrusted.getMessage());

      // skip_verify takes any server certificate; the client certificate still has to be there.
      Files.writeString(host.resolve("hosts.toml"), server + "skip_verify = true\nclient = \"" + pki.ecClientBoth
          + "\"\n");
      assertEquals(image.configDigest(), images().pull(ref, Credentials.NONE).id());
    }
  }

  @Test
  void dockerCertificateFiles_withoutHostsToml_makeTheLoopbackRegistryHttps() throws Exception {
    Pki pki = new Pki(dir.resolve("pki"));
    TestImage.Built image = new TestImage().layer(TestImage.Compression.GZIP, t -> t.file("d", "d", 0644)).build();
    pushPlain(dir.resolve("reg"), "docker/style", "v1", image);
    try (LocalRegistry registry = LocalRegistry.startTls(dir.resolve("reg"), pki.serverCert, pki.serverKey,
        pki.caCert)) {
      Path host = certsD.resolve(registry.host());
      Files.createDirectories(host);
      Files.copy(pki.caCert, host.resolve("ca.crt"));
      Files.copy(pki.rsaClientCert, host.resolve("client.cert"));
      Files.copy(pki.rsaClientKeyPkcs1, host.resolve("client.key"));
      assertEquals(image.configDigest(), images().pull(registry.host() + "/docker/style:v1", Credentials.NONE).id());
    }
  }

  @Test
  void aMirrorThatOnlyPulls_neverResolvesTags() throws Exception {
    TestImage.Built onMirror = new TestImage().layer(TestImage.Compression.GZIP, t -> t.file("m", "m", 0644)).build();
    TestImage.Built onServer = new TestImage().layer(TestImage.Compression.GZIP, t -> t.file("s", "s", 0644)).build();
    try (LocalRegistry mirror = LocalRegistry.start(dir.resolve("mirror"));
        LocalRegistry server = LocalRegistry.start(dir.resolve("server"))) {
      new RegistryPusher(mirror).push("lib/app", "v1", onMirror);
      new RegistryPusher(server).push("lib/app", "v1", onServer);
      String ref = server.host() + "/lib/app:v1";
      Path host = certsD.resolve(server.host());
      Files.createDirectories(host);

      Files.writeString(host.resolve("hosts.toml"), "[host.\"" + mirror.url() + "\"]\ncapabilities = [\"pull\"]\n");
      assertEquals(onServer.configDigest(), images().pull(ref, Credentials.NONE).id(),
          "the tag is resolved by the server; the mirror lacks its blobs, so they come from the server");

      Files.writeString(host.resolve("hosts.toml"), "[host.\"" + mirror.url() + "\"]\n"
          + "capabilities = [\"pull\", \"resolve\"]\n");
      assertEquals(onMirror.configDigest(), images().pull(ref, Credentials.NONE).id(), "the mirror resolves now");

      // override_path: the URL is the API root as written (a registry's /v2 here), nothing appended.
      Files.writeString(host.resolve("hosts.toml"), "server = \"" + mirror.url() + "/v2\"\noverride_path = true\n");
      assertEquals(onMirror.configDigest(), images().pull(ref, Credentials.NONE).id());

      Files.writeString(host.resolve("hosts.toml"), "[host.\"" + mirror.url() + "\"]\ncapabilities = [\"pul\"]\n");
      FailedPreconditionException typo = assertThrows(FailedPreconditionException.class,
          () -> images().pull(ref, Credentials.NONE));
      assertTrue(typo.getMessage().contains(host.resolve("hosts.toml").toString())
          && typo.getMessage().contains("unknown capability \"pul\""), typo.getMessage());
    }
  }

  private static void pushPlain(Path registryDir, String repo, String tag, TestImage.Built image) throws Exception {
    try (LocalRegistry plain = LocalRegistry.start(registryDir)) {
      new RegistryPusher(plain).push(repo, tag, image);
    }
  }

  /** A CA, a server certificate for 127.0.0.1 and client certificates, made with openssl. */
  private static final class Pki {
    final Path caCert;
    final Path serverCert;
    final Path serverKey;
    final Path rsaClientCert;
    final Path rsaClientKeyPkcs8;
    final Path rsaClientKeyPkcs1;
    final Path ecClientBoth;

    Pki(Path d) throws IOException, InterruptedException {
      Files.createDirectories(d);
      caCert = d.resolve("ca.pem");
      serverCert = d.resolve("server.pem");
      serverKey = d.resolve("server.key");
      rsaClientCert = d.resolve("client.pem");
      rsaClientKeyPkcs8 = d.resolve("client.key");
      rsaClientKeyPkcs1 = d.resolve("client-rsa.key");
      ecClientBoth = d.resolve("ec-client-both.pem");
      Files.writeString(d.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
      Files.writeString(d.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
      openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
          "-subj", "/CN=jcri test CA");
      sign(d, "server", "rsa:2048", "/CN=127.0.0.1", "server.ext");
      sign(d, "client", "rsa:2048", "/CN=jcri test client", "client.ext");
      openssl(d, "rsa", "-in", "client.key", "-traditional", "-out", "client-rsa.key");
      openssl(d, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.key");
      openssl(d, "req", "-new", "-key", "ec.key", "-out", "ec.csr", "-subj", "/CN=jcri test ec client");
      openssl(d, "x509", "-req", "-in", "ec.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
          "-out", "ec.pem", "-days", "2", "-extfile", "client.ext");
      String ecKey = Files.readString(d.resolve("ec.key"));
      assertTrue(ecKey.contains("BEGIN EC PRIVATE KEY"), "openssl ecparam writes SEC 1");
      assertTrue(Files.readString(rsaClientKeyPkcs1).contains("BEGIN RSA PRIVATE KEY"), "-traditional is PKCS#1");
      Files.writeString(ecClientBoth, Files.readString(d.resolve("ec.pem")) + ecKey);
    }

    private static void sign(Path d, String name, String key, String subject, String ext)
        throws IOException, InterruptedException {
      openssl(d, "req", "-newkey", key, "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject);
      openssl(d, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
          "-out", name + ".pem", "-days", "2", "-extfile", ext);
    }

    private static void openssl(Path d, String... args) throws IOException, InterruptedException {
      List<String> cmd = new ArrayList<>(List.of("openssl"));
      cmd.addAll(List.of(args));
      Process p = new ProcessBuilder(cmd).directory(d.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.waitFor(), "openssl " + String.join(" ", args) + ": " + out);
    }
  }
}
