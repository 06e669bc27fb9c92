package dev.jcri.server.stream;

/** The client side of a session, whatever its protocol. */
interface ClientConnection {

  /** Runs {@code action} once when the client goes away before the session ends it (now, if it has). */
  void onClientGone(Runnable action);

  /** Ends the session: flushes what was written and closes the connection gracefully. */
  void end();
}
