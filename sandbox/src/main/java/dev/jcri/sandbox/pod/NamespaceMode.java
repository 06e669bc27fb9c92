package dev.jcri.sandbox.pod;

/** Where a namespace comes from, in the CRI's terms. */
public enum NamespaceMode { POD, CONTAINER, NODE, TARGET }
