package dev.jcri.sandbox.cni;

/** A hostPort mapping as portmap's runtimeConfig takes it; protocol is tcp, udp or sctp. */
public record PortMapping(int hostPort, int containerPort, String protocol, String hostIp) {}
