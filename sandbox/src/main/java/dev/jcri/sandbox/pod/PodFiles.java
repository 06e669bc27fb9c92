package dev.jcri.sandbox.pod;

import dev.jcri.common.FileTrees;
import dev.jcri.common.OwnerOnly;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** The files a pod's containers share: /etc/hostname, /etc/hosts, /etc/resolv.conf and a /dev/shm tmpfs. */
final class PodFiles {

  private final Path dir;
  private final ShmMounter shmMounter;

  PodFiles(Path dir, ShmMounter shmMounter) {
    this.dir = dir;
    this.shmMounter = shmMounter;
  }

  Path dir() {
    return dir;
  }

  Path hostname() {
    return dir.resolve("hostname");
  }

  Path hosts() {
    return dir.resolve("hosts");
  }

  Path resolvConf() {
    return dir.resolve("resolv.conf");
  }

  Path shm() {
    return dir.resolve("shm");
  }

  /**
   * Creates the pod's directory, 0700: its /dev/shm is a world-writable tmpfs that no other user of the node
   * may reach. A user-namespaced pod's root group ({@code userNsRootGid}, null without one) may traverse it.
   */
  void create(Long userNsRootGid) {
    OwnerOnly.dir(dir.getParent(), OwnerOnly.SEARCHABLE);
    OwnerOnly.dir(dir);
    if (userNsRootGid != null) {
      OwnerOnly.shareWithGroup(dir, userNsRootGid);
    }
  }

  void writeHostname(String hostname) {
    write(hostname(), hostname + "\n");
  }

  /** The pod's hosts file; a host-network pod gets the node's. */
  void writeHosts(String hostname, List<String> ips, boolean hostNetwork) {
    if (hostNetwork) {
      copyOrEmpty(Path.of("/etc/hosts"), hosts());
      return;
    }
    StringBuilder sb = new StringBuilder();
    sb.append("127.0.0.1\tlocalhost\n");
    sb.append("::1\tlocalhost ip6-localhost ip6-loopback\n");
    sb.append("fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n");
    for (String ip : ips) {
      sb.append(ip).append('\t').append(hostname).append('\n');
    }
    write(hosts(), sb.toString());
  }

  /** resolv.conf from the pod's DNS settings, or the node's when the pod gives none. */
  void writeResolvConf(PodSpec.Dns dns) {
    if (dns.isEmpty()) {
      copyOrEmpty(Path.of("/etc/resolv.conf"), resolvConf());
      return;
    }
    StringBuilder sb = new StringBuilder();
    if (!dns.searches().isEmpty()) {
      sb.append("search ").append(String.join(" ", dns.searches())).append('\n');
    }
    for (String s : dns.servers()) {
      sb.append("nameserver ").append(s).append('\n');
    }
    if (!dns.options().isEmpty()) {
      sb.append("options ").append(String.join(" ", dns.options())).append('\n');
    }
    write(resolvConf(), sb.toString());
  }

  void mountShm() {
    try {
      Files.createDirectories(shm());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    shmMounter.mount(shm());
  }

  void unmountShm() {
    shmMounter.unmount(shm());
  }

  void delete() {
    FileTrees.delete(dir);
  }

  private static void write(Path file, String content) {
    try {
      Files.writeString(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + file, e);
    }
  }

  private static void copyOrEmpty(Path from, Path to) {
    try {
      if (Files.isRegularFile(from)) {
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.writeString(to, "");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("copying " + from, e);
    }
  }
}
