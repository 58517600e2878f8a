package cn.ac.ihep.heps.agent.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API under clients that stall or flood it, over real sockets on loopback. Each kind of
 * bad client comes from its own loopback address (127.0.0.2, .3, ...), as they would from
 * different desktop VMs; the well-behaved client comes from 127.0.0.1.
 */
class HostileClientsTest {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(2);
    private static final int PER_ADDRESS = 8;
    /** The longest a well-behaved request may take while the API is under attack. */
    private static final Duration ANSWER_BOUND = Duration.ofMillis(1500);

    private ApiServer api;
    private InetSocketAddress address;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        ApiServer.Services services = new ApiServer.Services(null, null, null, null, null, null, new AgentMetrics(),
                new BearerTokens(List.of("a-token")), false);
        api = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), services, null, false,
                new ApiServer.Limits(REQUEST_TIMEOUT, IDLE_TIMEOUT, 256, PER_ADDRESS, 16, 64));
        address = api.address();
    }

    @AfterEach
    void stop() {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed by the server
            }
        }
        api.close();
    }

    private Socket connectFrom(String localAddress) throws IOException {
        Socket socket = new Socket();
        sockets.add(socket);
        socket.bind(new InetSocketAddress(localAddress, 0));
        socket.connect(address, 2000);
        return socket;
    }

    private Socket sendFrom(String localAddress, String bytes) throws IOException {
        Socket socket = connectFrom(localAddress);
        socket.getOutputStream().write(bytes.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    /** Reads one answer with a Content-Length (this server always sends one) and returns its status line. */
    private static String readAnswer(Socket socket) throws IOException {
        socket.setSoTimeout(5000);
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before the answer's headers ended: " + head);
            }
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : headers.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return headers.substring(0, headers.indexOf("\r\n"));
    }

    /** True when the server has closed (or reset) the connection: a read ends instead of waiting. */
    private static boolean closedByServer(Socket socket, Duration wait) throws IOException {
        socket.setSoTimeout((int) wait.toMillis());
        try {
            InputStream in = socket.getInputStream();
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void stalledClientsAndAFloodDoNotStopAWellBehavedClientAndTheStalledAreDropped() throws Exception {
        List<Socket> stalledHeaders = new ArrayList<>();
        List<Socket> stalledBodies = new ArrayList<>();
        List<Socket> idleKeptAlive = new ArrayList<>();
        for (int i = 0; i < PER_ADDRESS; i++) {
            stalledHeaders.add(sendFrom("127.0.0.2", "GET /healthz HTTP/1.1\r\nHost: agent\r\nX-Slow: "));
            stalledBodies.add(sendFrom("127.0.0.3", "POST /v1/enrollment HTTP/1.1\r\nHost: agent\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"serverId\": "));
            Socket keptAlive = sendFrom("127.0.0.4", "GET /healthz HTTP/1.1\r\nHost: agent\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", readAnswer(keptAlive));
            idleKeptAlive.add(keptAlive);
        }

        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicInteger floodRequests = new AtomicInteger();
        ExecutorService flood = Executors.newFixedThreadPool(4);
        List<Future<?>> flooders = new ArrayList<>();
        long floodEnds = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        String[] badRequests = {
            "NONSENSE\r\n\r\n",
            "GET /v1/experiments HTTP/1.1\r\nHost: agent\r\nAuthorization: Bearer wrong\r\nConnection: close\r\n\r\n",
            "POST /v1/enrollment HTTP/1.1\r\nHost: agent\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    + "Content-Length: 5\r\n\r\n{{{{{",
        };
        for (int t = 0; t < 4; t++) {
            int thread = t;
            flooders.add(flood.submit(() -> {
                for (int n = 0; n < 2000 && flooding.get() && System.nanoTime() < floodEnds; n++) {
                    try (Socket socket = new Socket()) {
                        socket.bind(new InetSocketAddress("127.0.0.5", 0));
                        socket.connect(address, 1000);
                        socket.setSoTimeout(1000);
                        socket.getOutputStream().write(badRequests[(n + thread) % badRequests.length]
                                .getBytes(StandardCharsets.US_ASCII));
                        socket.getInputStream().readNBytes(512);
                        floodRequests.incrementAndGet();
                    } catch (IOException e) {
                        // refused, reset or slow: the flood goes on
                    }
                }
                return null;
            }));
        }

        HttpClient good = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI health = URI.create("http://127.0.0.1:" + address.getPort() + "/healthz");
        long slowest = 0;
        int answered = 0;
        long goodEnds = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        try {
            while (System.nanoTime() < goodEnds) {
                long started = System.nanoTime();
                HttpResponse<String> response = good.send(HttpRequest.newBuilder(health)
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                slowest = Math.max(slowest, System.nanoTime() - started);
                assertEquals(200, response.statusCode());
                answered++;
                Thread.sleep(50);
            }
        } finally {
            flooding.set(false);
            for (Future<?> flooder : flooders) {
                flooder.get(10, TimeUnit.SECONDS);
            }
            flood.shutdownNow();
        }
        assertTrue(floodRequests.get() > 100, "the flood was too thin to mean anything: " + floodRequests.get());
        assertTrue(answered >= 10, "the good client got " + answered + " answers");
        assertTrue(slowest < ANSWER_BOUND.toNanos(), "the slowest good answer took "
                + Duration.ofNanos(slowest).toMillis() + " ms under attack");

        // More than three seconds have passed: past the request deadline and the idle timeout.
        for (Socket socket : stalledHeaders) {
            assertTrue(closedByServer(socket, Duration.ofSeconds(2)), "a client stalled in its headers is still connected");
        }
        for (Socket socket : stalledBodies) {
            assertTrue(closedByServer(socket, Duration.ofSeconds(2)), "a client stalled in its body is still connected");
        }
        for (Socket socket : idleKeptAlive) {
            assertTrue(closedByServer(socket, Duration.ofSeconds(2)), "an idle kept-alive client is still connected");
        }
    }

    @Test
    void aStalledClientIsDroppedAtTheDeadlineNotBefore() throws Exception {
        long opened = System.nanoTime();
        Socket socket = sendFrom("127.0.0.2", "GET /healthz HTTP/1.1\r\nHost: agent\r\n");
        assertTrue(!closedByServer(socket, REQUEST_TIMEOUT.dividedBy(2)), "dropped before the request deadline");
        assertTrue(closedByServer(socket, REQUEST_TIMEOUT.multipliedBy(2)), "not dropped after the request deadline");
        long held = System.nanoTime() - opened;
        assertTrue(held < REQUEST_TIMEOUT.plusMillis(800).toNanos(), "held for " + held / 1_000_000 + " ms");
    }

    @Test
    void oneAddressGetsNoMoreThanItsShareOfConnections() throws Exception {
        List<Socket> many = new ArrayList<>();
        for (int i = 0; i < PER_ADDRESS * 2; i++) {
            many.add(connectFrom("127.0.0.6"));
        }
        Thread.sleep(300);
        int refused = 0;
        for (Socket socket : many) {
            if (closedByServer(socket, Duration.ofMillis(20))) {
                refused++;
            }
        }
        assertEquals(PER_ADDRESS, refused, "connections over the per-address cap are closed at once");
        Socket other = sendFrom("127.0.0.7", "GET /healthz HTTP/1.1\r\nHost: agent\r\n\r\n");
        assertEquals("HTTP/1.1 200 OK", readAnswer(other), "another address is still served");
    }

    @Test
    void aBodyLargerThanTheLimitIsRefusedWithoutBeingRead() throws Exception {
        Socket socket = sendFrom("127.0.0.8", "POST /v1/enrollment HTTP/1.1\r\nHost: agent\r\n"
                + "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{");
        String status = readAnswer(socket);
        assertTrue(status.startsWith("HTTP/1.1 413 "), status);
    }
    @Test
    void aClientThatSendsABodyJustOverTheLimitReadsThe413() throws Exception {
        // The body is sent in full before the answer is read, as HTTP clients do: the server reads
        // and drops it, so the client gets its 413 rather than a connection reset mid-write.
        String body = "{\"pad\": \"" + "x".repeat(300_000) + "\"}";
        for (int i = 0; i < 10; i++) {
            Socket socket = sendFrom("127.0.0.9", "POST /v1/enrollment HTTP/1.1\r\nHost: agent\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            String status = readAnswer(socket);
            assertTrue(status.startsWith("HTTP/1.1 413 "), "attempt " + i + ": " + status);
            socket.close();
        }
    }
}
