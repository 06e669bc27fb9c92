package dev.jcri.common;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.lang.ref.Cleaner;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Message digests for content (blob digests, DiffIDs). SHA-256 and SHA-512 are computed by the node's OpenSSL
 * (libcrypto, through JNA) when it is there: jcri runs its JIT at C1 only, where the JDK's SHA code runs ten
 * times slower than OpenSSL's (no CPU SHA instructions), and a pull hashes every byte twice. Without
 * libcrypto, or for any other algorithm, the JDK's own.
 */
public final class Digests {

  private static final Log LOG = Log.of(Digests.class);
  private static final Cleaner CLEANER = Cleaner.create();
  private static final Crypto CRYPTO = load();

  private Digests() {}

  /** A digest for a JCA name ("SHA-256", "SHA-512", ...). */
  public static MessageDigest of(String jcaName) {
    if (CRYPTO != null && (jcaName.equals("SHA-256") || jcaName.equals("SHA-512"))) {
      return new OpenSsl(jcaName);
    }
    try {
      return MessageDigest.getInstance(jcaName);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalArgumentException("no digest " + jcaName, e);
    }
  }

  /** Whether digests come from OpenSSL here (for tests and the log). */
  public static boolean isNative() {
    return CRYPTO != null;
  }

  private static Crypto load() {
    try {
      NativeSearchPath.prepare();
      Crypto c = Native.load("crypto", Crypto.class);
      c.EVP_sha256();
      return c;
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      LOG.info("libcrypto not found; content digests use the JDK's code", "error", e.getMessage());
      return null;
    }
  }

  /** One OpenSSL digest context; freed when the digest is collected. */
  private static final class OpenSsl extends MessageDigest {
    private static final int CHUNK = 64 * 1024;
    private final Pointer type;
    private final Pointer ctx;
    private final int length;
    private Memory buffer;

    OpenSsl(String name) {
      super(name);
      this.type = name.equals("SHA-256") ? CRYPTO.EVP_sha256() : CRYPTO.EVP_sha512();
      this.length = name.equals("SHA-256") ? 32 : 64;
      Pointer c = CRYPTO.EVP_MD_CTX_new();
      if (c == null) {
        throw new OutOfMemoryError("EVP_MD_CTX_new");
      }
      this.ctx = c;
      CLEANER.register(this, () -> CRYPTO.EVP_MD_CTX_free(c));
      init();
    }

    private void init() {
      if (CRYPTO.EVP_DigestInit_ex(ctx, type, null) != 1) {
        throw new IllegalStateException("EVP_DigestInit_ex failed for " + getAlgorithm());
      }
    }

    @Override
    protected int engineGetDigestLength() {
      return length;
    }

    @Override
    protected void engineUpdate(byte input) {
      engineUpdate(new byte[] {input}, 0, 1);
    }

    @Override
    protected void engineUpdate(byte[] input, int offset, int len) {
      if (buffer == null) {
        buffer = new Memory(CHUNK);
      }
      for (int done = 0; done < len; ) {
        int n = Math.min(CHUNK, len - done);
        buffer.write(0, input, offset + done, n);
        if (CRYPTO.EVP_DigestUpdate(ctx, buffer, n) != 1) {
          throw new IllegalStateException("EVP_DigestUpdate failed for " + getAlgorithm());
        }
        done += n;
      }
    }

    @Override
    protected byte[] engineDigest() {
      byte[] out = new byte[64];
      IntByReference size = new IntByReference();
      if (CRYPTO.EVP_DigestFinal_ex(ctx, out, size) != 1) {
        throw new IllegalStateException("EVP_DigestFinal_ex failed for " + getAlgorithm());
      }
      init();
      return Arrays.copyOf(out, size.getValue());
    }

    @Override
    protected void engineReset() {
      init();
    }
  }

  private interface Crypto extends Library {
    Pointer EVP_MD_CTX_new();

    void EVP_MD_CTX_free(Pointer ctx);

    Pointer EVP_sha256();

    Pointer EVP_sha512();

    int EVP_DigestInit_ex(Pointer ctx, Pointer type, Pointer engine);

    int EVP_DigestUpdate(Pointer ctx, Pointer data, long len);

    int EVP_DigestFinal_ex(Pointer ctx, byte[] md, IntByReference len);
  }
}
