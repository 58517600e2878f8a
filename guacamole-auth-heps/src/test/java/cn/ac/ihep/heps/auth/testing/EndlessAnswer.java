package cn.ac.ihep.heps.auth.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A server that answers 200 and then streams blanks, up to 50 MiB, until the client hangs up:
 * what a broken or hostile token server does. Counts what it managed to write.
 */
public final class EndlessAnswer implements HttpHandler {

    private static final int CHUNK = 16 * 1024;
    private static final int CHUNKS = 64 * 50;

    private final AtomicLong written = new AtomicLong();

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        exchange.sendResponseHeaders(200, 0);
        byte[] chunk = new byte[CHUNK];
        Arrays.fill(chunk, (byte) ' ');
        try (OutputStream out = exchange.getResponseBody()) {
            for (int i = 0; i < CHUNKS; i++) {
                out.write(chunk);
                written.addAndGet(chunk.length);
            }
        } catch (IOException e) {
            // The client hung up: what a bounded reader does.
        }
        exchange.close();
    }

    /** Bytes written before the client stopped reading. */
    public long written() {
        return written.get();
    }
}
