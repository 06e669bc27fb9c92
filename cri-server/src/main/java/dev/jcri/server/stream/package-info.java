/**
 * jcri's streaming server: the URLs Exec, Attach and PortForward hand out, served over SPDY/3.1 and WebSocket
 * on Netty, with the sessions behind them.
 */
package dev.jcri.server.stream;
