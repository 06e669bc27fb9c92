package dev.jcri.sandbox.network;

import dev.jcri.common.AtomicFiles;
import dev.jcri.common.InvalidArgumentException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The node's pod CIDR (one, or an IPv4 and an IPv6 one separated by a comma) as kubelet hands it over in
 * UpdateRuntimeConfig. Kept in a file so that it survives a restart of jcri.
 */
public final class PodCidrStore {

  private final Path file;
  private volatile String podCidr;

  public PodCidrStore(Path file) {
    this.file = file;
    AtomicFiles.sweepTemps(file.toAbsolutePath().getParent());
    this.podCidr = read(file);
  }

  public String podCidr() {
    return podCidr;
  }

  /** Records a new pod CIDR; an empty value leaves the current one, as other runtimes do. */
  public synchronized void update(String cidr) {
    String value = cidr == null ? "" : cidr.strip();
    if (value.isEmpty() || value.equals(podCidr)) {
      return;
    }
    for (String part : value.split(",")) {
      validate(part.strip(), value);
    }
    AtomicFiles.write(file, value.getBytes(StandardCharsets.UTF_8));
    podCidr = value;
  }

  private static void validate(String cidr, String whole) {
    int slash = cidr.indexOf('/');
    String problem = null;
    if (slash < 0) {
      problem = "has no /prefix length";
    } else {
      String address = cidr.substring(0, slash);
      try {
        boolean literal = address.matches("[0-9.]+") || address.contains(":");
        if (!literal) {
          problem = "'" + address + "' is not an IP address";
        } else {
          int bits = InetAddress.getByName(address).getAddress().length * 8;
          int prefix = Integer.parseInt(cidr.substring(slash + 1));
          if (prefix < 0 || prefix > bits) {
            problem = "prefix length " + prefix + " is outside 0.." + bits;
          }
        }
      } catch (UnknownHostException | NumberFormatException e) {
        problem = "cannot be parsed (" + e.getMessage() + ")";
      }
    }
    if (problem != null) {
      throw new InvalidArgumentException("pod CIDR '" + whole + "': '" + cidr + "' " + problem
          + "; expected e.g. 10.244.0.0/24 or 10.244.0.0/24,fd00:10:244::/64");
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (NoSuchFileException e) {
      return "";
    } catch (IOException e) {
      throw new UncheckedIOException("reading the pod CIDR from " + file, e);
    }
  }
}
