package dev.jcri.sandbox.ns;

import dev.jcri.common.Libc;

/** The namespaces a pod owns and jcri pins. */
public enum NamespaceKind {
  NET("net", "netns", Libc.CLONE_NEWNET),
  IPC("ipc", "ipcns", Libc.CLONE_NEWIPC),
  UTS("uts", "utsns", Libc.CLONE_NEWUTS),
  /** Only for pods with a user namespace of their own; it owns the pod's other namespaces. */
  USER("user", "userns", 0x10000000);

  private final String procName;
  private final String pinDir;
  private final int cloneFlag;

  NamespaceKind(String procName, String pinDir, int cloneFlag) {
    this.procName = procName;
    this.pinDir = pinDir;
    this.cloneFlag = cloneFlag;
  }

  /** The name under /proc/[pid]/ns/ and in OCI specs. */
  public String procName() {
    return procName;
  }

  /** The directory under the state dir where pins of this kind live. */
  public String pinDir() {
    return pinDir;
  }

  int cloneFlag() {
    return cloneFlag;
  }
}
