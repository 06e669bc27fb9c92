/** File descriptors jcri holds for interactive sessions: terminal masters, console and attach sockets. */
package dev.jcri.sandbox.io;
