/** Unix sockets jcri holds for interactive sessions: console sockets (a terminal master passed over SCM_RIGHTS) and conmon's attach sockets. */
package dev.jcri.sandbox.io;
