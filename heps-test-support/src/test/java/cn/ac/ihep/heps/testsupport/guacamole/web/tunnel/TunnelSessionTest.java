package cn.ac.ihep.heps.testsupport.guacamole.web.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.apache.guacamole.protocol.GuacamoleStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The tunnel client against a WebSocket server that sends exactly what each test scripts. */
class TunnelSessionTest {

    private static final String UUID = "0f6c5d4e-3b2a-4c1d-9e8f-7a6b5c4d3e2f";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private WebSocketTestServer server;
    private TunnelClient client;
    private final TunnelParameters parameters = TunnelParameters.connection("heps-vm-resolver", "server-1");

    @BeforeEach
    void start() throws Exception {
        server = new WebSocketTestServer();
        client = new TunnelClient(server.base(), TunnelOptions.defaults());
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    @Test
    void readsTheUuidDrawsAFrameSplitAcrossMessagesAndAcknowledgesTheSyncAtOnce() throws Exception {
        try (TunnelSession session = client.open("TOKEN", parameters)) {
            server.accept();
            assertEquals("/guacamole/websocket-tunnel?" + parameters.query("TOKEN"), server.lastRequestTarget());
            server.sendText(Instruction.of("", UUID).encode() + Instruction.of("name", "desktop").encode());
            String frame = Instruction.of("size", 0, 64, 48).encode() + Instruction.of("rect", 0, 0, 0, 64, 48).encode()
                    + Instruction.of("cfill", 0xE, 0, 10, 20, 30, 255).encode() + Instruction.of("sync", "4711", 1).encode();
            int cut = frame.indexOf("cfill") + 3;
            server.sendText(frame.substring(0, cut));
            server.sendText(frame.substring(cut));

            assertEquals("4.sync,4.4711;", server.nextMessageStartingWith("4.sync", 5_000));
            FrameWait wait = session.awaitFirstFrame(WAIT);
            assertInstanceOf(FrameWait.Frames.class, wait);
            assertEquals(0xff0a141e, session.display().snapshot().getRGB(63, 47));
            assertEquals(UUID, session.uuid().orElseThrow());
            assertEquals("desktop", session.name().orElseThrow());
            assertTrue(session.isOpen());
        }
        assertEquals("10.disconnect;", server.nextMessageStartingWith("10.disconnect", 5_000));
    }

    @Test
    void pingsTheTunnelAndSendsKeepAlivesAsTheJavaScriptClientDoes() throws Exception {
        TunnelOptions fast = new TunnelOptions(Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofMillis(200),
                Duration.ofMillis(100), TunnelOptions.defaults().display());
        try (TunnelSession session = new TunnelClient(server.base(), fast).open("TOKEN", parameters)) {
            server.accept();
            server.sendText(Instruction.of("", UUID).encode());
            String ping = server.nextMessageStartingWith("0.,4.ping,", 5_000);
            assertNotNull(ping, "an internal ping");
            assertNotNull(server.nextMessageStartingWith("3.nop;", 5_000), "a nop keep-alive");
            assertTrue(session.isOpen());
        }
    }

    @Test
    void anErrorInstructionEndsTheSessionWithItsStatusAndTheClientDisconnects() throws Exception {
        TunnelSession session = client.open("TOKEN", parameters);
        server.accept();
        server.sendText(Instruction.of("", UUID).encode() + Instruction.of("error", "Upstream unavailable", 0x0208).encode());
        FrameWait wait = session.awaitFirstFrame(WAIT);
        FrameWait.Ended ended = assertInstanceOf(FrameWait.Ended.class, wait);
        assertEquals(0x0208, ended.status().code());
        assertEquals("Upstream unavailable", ended.status().message());
        assertEquals(TunnelStatus.Origin.ERROR_INSTRUCTION, ended.status().origin());
        assertEquals("UPSTREAM_UNAVAILABLE", ended.status().codeName());
        assertEquals("10.disconnect;", server.nextMessageStartingWith("10.disconnect", 5_000));
        assertEquals("(close)", server.nextMessageStartingWith("(close", 5_000));
    }

    @Test
    void messagesAreKeptInOrderAndWaitedFor() throws Exception {
        TunnelSession session = client.open("TOKEN", parameters);
        server.accept();
        server.sendText(Instruction.of("", UUID).encode() + Instruction.of("msg", 0x4801, 20, 1765000000000L).encode());
        TunnelSession.Message warning = session.awaitMessage(0x4801, Duration.ofSeconds(5)).orElseThrow();
        assertEquals(List.of("20", "1765000000000"), warning.args());
        assertTrue(session.awaitMessage(0x4802, Duration.ofMillis(200)).isEmpty());
        server.sendText(Instruction.of("msg", 0x4802).encode() + Instruction.of("error", "Idle", 0x020A).encode());
        assertEquals(0x020A, session.awaitEnd(Duration.ofSeconds(5)).orElseThrow().code());
        assertEquals(List.of(0x4801, 0x4802), session.messages().stream().map(TunnelSession.Message::code).toList());
        assertTrue(session.endedAtNanos().getAsLong() >= warning.receivedNanos());
    }

    @Test
    void aCloseReasonIsTheGuacamoleStatusCode() throws Exception {
        TunnelSession session = client.open("TOKEN", parameters);
        server.accept();
        server.sendClose(1008, Integer.toString(GuacamoleStatus.CLIENT_UNAUTHORIZED.getGuacamoleStatusCode()));
        TunnelStatus status = session.awaitEnd(WAIT).orElseThrow();
        assertTrue(status.is(GuacamoleStatus.CLIENT_UNAUTHORIZED), status.toString());
        assertEquals(TunnelStatus.Origin.CLOSE, status.origin());
    }

    @Test
    void anHttpErrorOnTheUpgradeIsAHandshakeStatus() {
        server.refuseWith(403);
        TunnelSession session = client.open("TOKEN", parameters);
        TunnelStatus status = session.endStatus().orElseThrow();
        assertEquals(TunnelStatus.Origin.HANDSHAKE, status.origin());
        assertTrue(status.is(GuacamoleStatus.CLIENT_FORBIDDEN), status.toString());
    }

    @Test
    void nothingListeningEndsAtOnce() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        long start = System.nanoTime();
        TunnelSession session = new TunnelClient(URI.create("http://127.0.0.1:" + port + "/guacamole/"),
                TunnelOptions.defaults()).open("TOKEN", parameters);
        TunnelStatus status = session.endStatus().orElseThrow();
        assertEquals(TunnelStatus.Origin.HANDSHAKE, status.origin());
        assertTrue(status.is(GuacamoleStatus.UPSTREAM_NOT_FOUND), status.toString());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0);
    }

    @Test
    void aServerThatFallsSilentTimesOut() throws Exception {
        TunnelClient impatient = new TunnelClient(server.base(), TunnelOptions.defaults()
                .withReceiveTimeout(Duration.ofMillis(600)));
        TunnelSession session = impatient.open("TOKEN", parameters);
        server.accept();
        server.sendText(Instruction.of("", UUID).encode());
        FrameWait.Ended ended = assertInstanceOf(FrameWait.Ended.class, session.awaitFirstFrame(WAIT));
        assertTrue(ended.status().is(GuacamoleStatus.UPSTREAM_TIMEOUT), ended.status().toString());
        assertEquals(TunnelStatus.Origin.CLIENT, ended.status().origin());
    }

    @Test
    void waitingForAFrameIsBounded() throws Exception {
        try (TunnelSession session = client.open("TOKEN", parameters)) {
            server.accept();
            server.sendText(Instruction.of("", UUID).encode() + Instruction.of("sync", 1, 0).encode());
            FrameWait wait = session.awaitFirstFrame(Duration.ofMillis(300));
            assertEquals(new FrameWait.TimedOut(Duration.ofMillis(300), 0), wait);
        }
    }

    @Test
    void malformedProtocolEndsTheSession() throws Exception {
        TunnelSession session = client.open("TOKEN", parameters);
        server.accept();
        server.sendText("4.sync;oops");
        TunnelStatus status = session.awaitEnd(WAIT).orElseThrow();
        assertEquals(TunnelStatus.Origin.CLIENT, status.origin());
        assertTrue(status.is(GuacamoleStatus.SERVER_ERROR), status.toString());
    }

    @Test
    void retriesUpstreamUnavailableLikeTheFrontEndUntilAFrameArrives() throws Exception {
        Thread desktop = new Thread(() -> {
            try {
                server.accept();
                server.sendText(Instruction.of("", UUID).encode()
                        + Instruction.of("error", "Upstream unavailable", 0x0208).encode());
                server.accept();
                server.sendText(Instruction.of("", UUID).encode() + Instruction.of("size", 0, 8, 8).encode()
                        + Instruction.of("rect", 0, 0, 0, 8, 8).encode() + Instruction.of("cfill", 0xE, 0, 1, 2, 3, 255).encode()
                        + Instruction.of("sync", 2, 1).encode());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        desktop.start();
        TunnelClient.Attempts attempts = client.openUntilFrame("TOKEN", parameters,
                new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(20)), WAIT);
        try (TunnelSession session = attempts.session()) {
            assertInstanceOf(FrameWait.Frames.class, attempts.outcome());
            assertEquals(List.of(0x0208), attempts.failed().stream().map(TunnelStatus::code).toList());
            assertEquals(0xff010203, session.display().snapshot().getRGB(0, 0));
        }
        desktop.join(5_000);
    }

    @Test
    void aStatusTheFrontEndDoesNotRetryEndsTheAttempts() throws Exception {
        Thread refusing = new Thread(() -> {
            try {
                server.accept();
                server.sendClose(1008, Integer.toString(GuacamoleStatus.CLIENT_FORBIDDEN.getGuacamoleStatusCode()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        refusing.start();
        TunnelClient.Attempts attempts = client.openUntilFrame("TOKEN", parameters,
                new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(20)), WAIT);
        FrameWait.Ended ended = assertInstanceOf(FrameWait.Ended.class, attempts.outcome());
        assertTrue(ended.status().is(GuacamoleStatus.CLIENT_FORBIDDEN), ended.status().toString());
        assertTrue(attempts.failed().isEmpty());
        refusing.join(5_000);
    }
}
