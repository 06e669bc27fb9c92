package dev.jcri.image.registry;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM files as registries' TLS set-ups hand them out: certificates, and private keys in PKCS#8
 * ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC 1 ({@code EC PRIVATE KEY}) form, the last two
 * rewrapped as PKCS#8 for the JDK. Encrypted keys are refused: jcri has no passphrase to give.
 */
final class Pem {

  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
  private static final byte[] RSA_ALGORITHM = HexFormat.of().parseHex("300d06092a864886f70d0101010500");
  private static final byte[] EC_PUBLIC_KEY_OID = HexFormat.of().parseHex("06072a8648ce3d0201");

  /** One block: its label ({@code CERTIFICATE}, {@code PRIVATE KEY}, ...) and the DER bytes. */
  record Block(String label, byte[] der) {}

  private Pem() {}

  static List<Block> blocks(byte[] file) {
    List<Block> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(new String(file, StandardCharsets.US_ASCII));
    while (m.find()) {
      try {
        out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("a " + m.group(1) + " block is not valid base64");
      }
    }
    return out;
  }

  /** Every certificate of the file, in order; an error when it holds none. */
  static List<X509Certificate> certificates(byte[] file) {
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory x509 = CertificateFactory.getInstance("X.509");
      for (Block b : blocks(file)) {
        if (b.label().equals("CERTIFICATE")) {
          out.add((X509Certificate) x509.generateCertificate(new ByteArrayInputStream(b.der())));
        }
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException("a certificate does not parse: " + e.getMessage());
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no PEM certificate in it");
    }
    return out;
  }

  /** The one private key of the file; an error when it holds none or an encrypted one. */
  static PrivateKey privateKey(byte[] file) {
    for (Block b : blocks(file)) {
      byte[] pkcs8 = switch (b.label()) {
        case "PRIVATE KEY" -> b.der();
        case "RSA PRIVATE KEY" -> sequence(concat(new byte[] {2, 1, 0}, RSA_ALGORITHM, octetString(b.der())));
        case "EC PRIVATE KEY" -> sequence(concat(new byte[] {2, 1, 0},
            sequence(concat(EC_PUBLIC_KEY_OID, ecCurve(b.der()))), octetString(b.der())));
        case "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException("the private key is encrypted; jcri"
            + " needs it unencrypted (openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.plain)");
        default -> null;
      };
      if (pkcs8 != null) {
        return pkcs8Key(pkcs8);
      }
    }
    throw new IllegalArgumentException("no PEM private key in it");
  }

  private static PrivateKey pkcs8Key(byte[] der) {
    for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // the next algorithm
      }
    }
    throw new IllegalArgumentException("the private key is none of RSA, EC, Ed25519 or Ed448, or is damaged");
  }

  /** The named curve's OID (tag and length included) from a SEC 1 ECPrivateKey's {@code [0]} parameters. */
  private static byte[] ecCurve(byte[] sec1) {
    Der seq = new Der(sec1);
    Der body = seq.enter(0x30);
    body.skip(0x02); // version
    body.skip(0x04); // the private key
    if (body.peek() == 0xa0) {
      Der params = body.enter(0xa0);
      return params.element(0x06);
    }
    throw new IllegalArgumentException("the EC private key names no curve; convert it to PKCS#8"
        + " (openssl pkcs8 -topk8 -nocrypt)");
  }

  /** Just enough DER to walk a SEC 1 key. */
  private static final class Der {
    private final byte[] b;
    private int pos;
    private final int end;

    Der(byte[] b) {
      this(b, 0, b.length);
    }

    private Der(byte[] b, int pos, int end) {
      this.b = b;
      this.pos = pos;
      this.end = end;
    }

    int peek() {
      if (pos >= end) {
        throw new IllegalArgumentException("the EC private key is truncated");
      }
      return b[pos] & 0xff;
    }

    /** The contents of the next element, which must have {@code tag}. */
    Der enter(int tag) {
      int[] tl = header(tag);
      Der inner = new Der(b, tl[0], tl[0] + tl[1]);
      pos = tl[0] + tl[1];
      return inner;
    }

    void skip(int tag) {
      enter(tag);
    }

    /** The next element whole, tag and length included. */
    byte[] element(int tag) {
      int start = pos;
      enter(tag);
      byte[] out = new byte[pos - start];
      System.arraycopy(b, start, out, 0, out.length);
      return out;
    }

    /** Reads tag and length; returns {contents start, contents length}. */
    private int[] header(int tag) {
      if (peek() != tag) {
        throw new IllegalArgumentException("the EC private key is not SEC 1 DER");
      }
      int p = pos + 1;
      if (p >= end) {
        throw new IllegalArgumentException("the EC private key is truncated");
      }
      int len = b[p++] & 0xff;
      if (len >= 0x80) {
        int n = len & 0x7f;
        if (n == 0 || n > 3) {
          throw new IllegalArgumentException("the EC private key is not SEC 1 DER");
        }
        len = 0;
        for (int i = 0; i < n; i++) {
          if (p >= end) {
            throw new IllegalArgumentException("the EC private key is truncated");
          }
          len = (len << 8) | (b[p++] & 0xff);
        }
      }
      if (len > end - p) {
        throw new IllegalArgumentException("the EC private key is truncated");
      }
      return new int[] {p, len};
    }
  }

  private static byte[] sequence(byte[] contents) {
    return tagged(0x30, contents);
  }

  private static byte[] octetString(byte[] contents) {
    return tagged(0x04, contents);
  }

  private static byte[] tagged(int tag, byte[] contents) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(contents.length + 6);
    out.write(tag);
    int n = contents.length;
    if (n < 0x80) {
      out.write(n);
    } else if (n < 0x100) {
      out.write(0x81);
      out.write(n);
    } else if (n < 0x10000) {
      out.write(0x82);
      out.write(n >> 8);
      out.write(n);
    } else {
      out.write(0x83);
      out.write(n >> 16);
      out.write(n >> 8);
      out.write(n);
    }
    out.writeBytes(contents);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
