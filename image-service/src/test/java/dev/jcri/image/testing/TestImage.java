package dev.jcri.image.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Builds OCI images in memory for tests: layers written as tar (gzip, zstd or plain), a config with the
 * DiffIDs and a manifest, ready to push to a {@link LocalRegistry}.
 */
public final class TestImage {

  public static final String BUSYBOX = "/bin/busybox";
  private static final ObjectMapper JSON = new ObjectMapper();

  public enum Compression { GZIP, ZSTD, NONE }

  /** One built layer: the blob as stored, its media type, and the digest of its uncompressed tar. */
  public record Layer(byte[] blob, String mediaType, String diffId) {
    public String digest() {
      return sha256(blob);
    }
  }

  /** A built image: its layers, config and manifest bytes. */
  public record Built(List<Layer> layers, byte[] config, byte[] manifest, String manifestMediaType) {
    public String configDigest() {
      return sha256(config);
    }

    public String manifestDigest() {
      return sha256(manifest);
    }
  }

  private final List<Layer> layers = new ArrayList<>();
  private String architecture = "amd64";
  private List<String> cmd = List.of("/bin/sh");
  private List<String> env = List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

  public TestImage architecture(String arch) {
    this.architecture = arch;
    return this;
  }

  public TestImage cmd(String... c) {
    this.cmd = List.of(c);
    return this;
  }

  /** Adds a layer whose entries {@code writer} writes. */
  public TestImage layer(Compression compression, Consumer<Tar> writer) {
    ByteArrayOutputStream tarBytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(tarBytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      writer.accept(new Tar(tar));
      tar.finish();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return rawLayer(compression, tarBytes.toByteArray());
  }

  /** Adds a layer of the tar bytes {@code raw} as they are (for entries no tar writer makes). */
  public TestImage rawLayer(Compression compression, byte[] raw) {
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    try (OutputStream out = switch (compression) {
      case GZIP -> new GZIPOutputStream(blob);
      case ZSTD -> new ZstdOutputStream(blob);
      case NONE -> blob;
    }) {
      out.write(raw);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    String type = switch (compression) {
      case GZIP -> "application/vnd.oci.image.layer.v1.tar+gzip";
      case ZSTD -> "application/vnd.oci.image.layer.v1.tar+zstd";
      case NONE -> "application/vnd.oci.image.layer.v1.tar";
    };
    layers.add(new Layer(blob.toByteArray(), type, sha256(raw)));
    return this;
  }

  /** A base layer with busybox-static and its applets linked under /bin. */
  public TestImage busyboxLayer() {
    return layer(Compression.GZIP, t -> {
      t.dir("bin", 0755);
      t.file("bin/busybox", readBusybox(), 0755);
      for (String applet : applets()) {
        t.symlink("bin/" + applet, "busybox");
      }
      t.dir("etc", 0755);
      t.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
          + "app:x:1000:1000:app:/home/app:/bin/sh\n", 0644);
      t.file("etc/group", "root:x:0:\napp:x:1000:\nextra:x:2000:app\nnogroup:x:65534:\n", 0644);
      t.dir("tmp", 01777);
    });
  }

  /** Every applet this busybox has, as {@code busybox --install} would link them. */
  private static List<String> applets() {
    try {
      Process p = new ProcessBuilder(BUSYBOX, "--list").start();
      List<String> names = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(n -> n.matches("[a-z0-9_.\\[-]+") && !n.equals("busybox")).distinct().toList();
      p.waitFor();
      return names;
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("listing busybox applets", e);
    }
  }

  private static byte[] readBusybox() {
    try {
      return Files.readAllBytes(Path.of(BUSYBOX));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("busybox-static is needed: apt-get install busybox-static", e);
    }
  }

  public Built build() {
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", architecture);
    config.put("os", "linux");
    ObjectNode c = config.putObject("config");
    ArrayNode envNode = c.putArray("Env");
    env.forEach(envNode::add);
    ArrayNode cmdNode = c.putArray("Cmd");
    cmd.forEach(cmdNode::add);
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    layers.forEach(l -> diffIds.add(l.diffId()));
    byte[] configBytes = bytes(config);

    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    ObjectNode cd = manifest.putObject("config");
    cd.put("mediaType", "application/vnd.oci.image.config.v1+json");
    cd.put("digest", sha256(configBytes));
    cd.put("size", configBytes.length);
    ArrayNode ls = manifest.putArray("layers");
    for (Layer l : layers) {
      ObjectNode d = ls.addObject();
      d.put("mediaType", l.mediaType());
      d.put("digest", l.digest());
      d.put("size", l.blob().length);
    }
    return new Built(List.copyOf(layers), configBytes, bytes(manifest), "application/vnd.oci.image.manifest.v1+json");
  }

  /** An OCI index over already pushed manifests, each with its platform. */
  public static byte[] index(Map<Built, String> manifestsByArch) {
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", "application/vnd.oci.image.index.v1+json");
    ArrayNode ms = index.putArray("manifests");
    manifestsByArch.forEach((b, arch) -> {
      ObjectNode d = ms.addObject();
      d.put("mediaType", b.manifestMediaType());
      d.put("digest", b.manifestDigest());
      d.put("size", b.manifest().length);
      ObjectNode p = d.putObject("platform");
      p.put("os", "linux");
      p.put("architecture", arch);
    });
    return bytes(index);
  }

  static byte[] bytes(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public static String sha256(byte[] data) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A tar holding one PAX 1.0 sparse file of {@code realSize} bytes whose only data is {@code data} at its end:
   * the archive carries a PAX header, a 512-byte map and the data; a reader expands the rest to zeros.
   */
  public static byte[] sparseTar(String name, long realSize, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String pax = paxRecord("GNU.sparse.major", "1") + paxRecord("GNU.sparse.minor", "0")
        + paxRecord("GNU.sparse.name", name) + paxRecord("GNU.sparse.realsize", Long.toString(realSize));
    byte[] paxBytes = pax.getBytes(StandardCharsets.UTF_8);
    byte[] map = ("1\n" + (realSize - data.length) + "\n" + data.length + "\n").getBytes(StandardCharsets.UTF_8);
    writeEntry(out, "./PaxHeaders/" + name, 'x', paxBytes);
    byte[] body = new byte[512 + data.length];
    System.arraycopy(map, 0, body, 0, map.length);
    System.arraycopy(data, 0, body, 512, data.length);
    writeEntry(out, "GNUSparseFile.0/" + name, '0', body);
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  private static String paxRecord(String key, String value) {
    String rest = " " + key + "=" + value + "\n";
    int len = rest.length() + 1;
    while (Integer.toString(len).length() + rest.length() != len) {
      len++;
    }
    return len + rest;
  }

  /** One ustar header block and its data, padded to 512 bytes. */
  private static void writeEntry(ByteArrayOutputStream out, String name, char type, byte[] data) {
    byte[] h = new byte[512];
    put(h, 0, name, 100);
    put(h, 100, "0000644", 8);
    put(h, 108, "0000000", 8);
    put(h, 116, "0000000", 8);
    put(h, 124, String.format("%011o", data.length), 12);
    put(h, 136, String.format("%011o", 0), 12);
    java.util.Arrays.fill(h, 148, 156, (byte) ' ');
    h[156] = (byte) type;
    put(h, 257, "ustar", 6);
    put(h, 263, "00", 2);
    int sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, String.format("%06o", sum), 7);
    h[155] = ' ';
    out.writeBytes(h);
    out.writeBytes(data);
    out.writeBytes(new byte[(512 - data.length % 512) % 512]);
  }

  private static void put(byte[] h, int at, String s, int max) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(b, 0, h, at, Math.min(b.length, max));
  }

  /** Writes tar entries with explicit modes and owners. */
  public static final class Tar {
    private final TarArchiveOutputStream tar;

    Tar(TarArchiveOutputStream tar) {
      this.tar = tar;
    }

    public Tar dir(String name, int mode) {
      TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
      e.setMode(TarArchiveEntry.DEFAULT_DIR_MODE & ~07777 | mode);
      return put(e, null);
    }

    public Tar file(String name, String text, int mode) {
      return file(name, text.getBytes(StandardCharsets.UTF_8), mode);
    }

    public Tar file(String name, byte[] data, int mode) {
      TarArchiveEntry e = new TarArchiveEntry(name);
      e.setMode(0100000 | mode);
      e.setSize(data.length);
      return put(e, data);
    }

    public Tar file(String name, byte[] data, int mode, int uid, int gid, Map<String, String> pax) {
      TarArchiveEntry e = new TarArchiveEntry(name);
      e.setMode(0100000 | mode);
      e.setSize(data.length);
      e.setUserId(uid);
      e.setGroupId(gid);
      pax.forEach(e::addPaxHeader);
      return put(e, data);
    }

    public Tar symlink(String name, String target) {
      TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
      e.setLinkName(target);
      return put(e, null);
    }

    public Tar hardlink(String name, String target) {
      TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK);
      e.setLinkName(target);
      return put(e, null);
    }

    public Tar charDevice(String name, int major, int minor) {
      return device(name, TarConstants.LF_CHR, 020666, major, minor);
    }

    public Tar blockDevice(String name, int major, int minor) {
      return device(name, TarConstants.LF_BLK, 060666, major, minor);
    }

    private Tar device(String name, byte type, int mode, int major, int minor) {
      TarArchiveEntry e = new TarArchiveEntry(name, type);
      e.setDevMajor(major);
      e.setDevMinor(minor);
      e.setMode(mode);
      return put(e, null);
    }

    /** An entry with a raw name, bypassing any normalisation (for hostile layers). */
    public Tar rawFile(String name, String text) {
      byte[] data = text.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry e = new TarArchiveEntry(name, true);
      e.setMode(0100644);
      e.setSize(data.length);
      return put(e, data);
    }

    private Tar put(TarArchiveEntry e, byte[] data) {
      try {
        tar.putArchiveEntry(e);
        if (data != null) {
          tar.write(data);
        }
        tar.closeArchiveEntry();
      } catch (IOException x) {
        throw new java.io.UncheckedIOException(x);
      }
      return this;
    }
  }
}
