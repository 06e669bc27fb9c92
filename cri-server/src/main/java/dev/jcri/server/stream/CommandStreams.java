package dev.jcri.server.stream;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * The client's streams for one exec or attach; a stream the client did not ask for is null.
 *
 * @param resize JSON terminal sizes, one object after another
 * @param error where the exit status goes
 * @param structuredStatus whether the status is a Status object (v4 on) or plain text
 */
record CommandStreams(InputStream stdin, OutputStream stdout, OutputStream stderr, InputStream resize,
    OutputStream error, boolean structuredStatus) {}
