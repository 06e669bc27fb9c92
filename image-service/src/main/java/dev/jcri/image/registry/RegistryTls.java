package dev.jcri.image.registry;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS set-up of one registry host, as containerd's hosts.toml gives it: CA files trusted besides the JVM's
 * own roots, client certificate and key pairs, or no verification at all ({@code skip_verify}).
 *
 * @param caFiles PEM files of CA certificates
 * @param clientPairs client certificate (chain) and key files; the key path is null when the certificate file
 *     holds the key too
 * @param skipVerify true to accept any server certificate for any name
 */
public record RegistryTls(List<Path> caFiles, List<ClientPair> clientPairs, boolean skipVerify) {

  /** A client certificate file and its key file (null: the key is in the certificate file). */
  public record ClientPair(Path certificate, Path key) {}

  public RegistryTls {
    caFiles = List.copyOf(caFiles);
    clientPairs = List.copyOf(clientPairs);
  }

  /** Every file this set-up reads. */
  List<Path> files() {
    List<Path> out = new ArrayList<>(caFiles);
    for (ClientPair p : clientPairs) {
      out.add(p.certificate());
      if (p.key() != null) {
        out.add(p.key());
      }
    }
    return out;
  }

  /** Reads the files and makes the context; IllegalArgumentException names the file that is wrong. */
  SSLContext context() {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keyManagers(), trustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  private TrustManager[] trustManagers() throws GeneralSecurityException {
    if (skipVerify) {
      return new TrustManager[] {new AcceptAll()};
    }
    if (caFiles.isEmpty()) {
      return null; // the JVM's own
    }
    KeyStore anchors = KeyStore.getInstance("PKCS12");
    try {
      anchors.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    TrustManagerFactory jvm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    jvm.init((KeyStore) null);
    int n = 0;
    for (TrustManager tm : jvm.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        for (X509Certificate c : x.getAcceptedIssuers()) {
          anchors.setCertificateEntry("jvm-" + n++, c);
        }
      }
    }
    for (Path f : caFiles) {
      byte[] file = read(f, "CA file");
      for (X509Certificate c : withFile(f, () -> Pem.certificates(file))) {
        anchors.setCertificateEntry("ca-" + n++, c);
      }
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(anchors);
    return tmf.getTrustManagers();
  }

  private KeyManager[] keyManagers() throws GeneralSecurityException {
    if (clientPairs.isEmpty()) {
      return null;
    }
    KeyStore keys = KeyStore.getInstance("PKCS12");
    char[] password = new char[0];
    try {
      keys.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    int n = 0;
    for (ClientPair p : clientPairs) {
      byte[] certFile = read(p.certificate(), "client certificate");
      List<X509Certificate> chain = withFile(p.certificate(), () -> Pem.certificates(certFile));
      Path keyPath = p.key() == null ? p.certificate() : p.key();
      byte[] keyFile = p.key() == null ? certFile : read(p.key(), "client key");
      PrivateKey key = withFile(keyPath, () -> Pem.privateKey(keyFile));
      keys.setKeyEntry("client-" + n++, key, password, chain.toArray(X509Certificate[]::new));
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, password);
    return kmf.getKeyManagers();
  }

  private static <T> T withFile(Path file, java.util.function.Supplier<T> parse) {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  private static byte[] read(Path file, String what) {
    try {
      if (Files.size(file) > 1 << 20) {
        throw new IllegalArgumentException(what + " " + file + " is larger than 1 MiB; refused");
      }
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
    }
  }

  /** skip_verify: any chain for any name; the extended form so that the JDK checks no host name either. */
  private static final class AcceptAll extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
