package cn.ac.ihep.heps.testsupport.desktop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The probe's Connection Request, and the answers xrdp 0.9 gives, replayed on loopback. */
class RdpProbeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** TPKT + X.224 CR + RDP_NEG_REQ for TLS | CredSSP. */
    private static final String REQUEST = "030000130ee000000000000100080003000000";
    /** What xrdp 0.9.21 with security_layer=tls answers: Connection Confirm, TLS selected. */
    private static final String XRDP_CONFIRM = "030000130ed000001234000201080001000000";
    /** A Negotiation Failure: SSL_REQUIRED_BY_SERVER (1). */
    private static final String FAILURE = "030000130ed000001234000300080001000000";

    @Test
    void readsTheProtocolTheServerSelected() throws Exception {
        ServerAnswer answer = replay(XRDP_CONFIRM);
        assertTrue(answer.confirm().negotiated());
        assertEquals(RdpProbe.PROTOCOL_SSL, answer.confirm().selectedProtocol());
        assertArrayEquals(HexFormat.of().parseHex(REQUEST), answer.request());
    }

    @Test
    void readsANegotiationFailure() throws Exception {
        RdpProbe.ConnectionConfirm confirm = replay(FAILURE).confirm();
        assertFalse(confirm.negotiated());
        assertEquals(1, confirm.failureCode());
    }

    @Test
    void somethingElseIsNoConnectionConfirm() {
        assertThrows(IOException.class, () -> replay("5246422030303300382e3030380a"));   // "RFB 003.008\n"
    }

    private record ServerAnswer(RdpProbe.ConnectionConfirm confirm, byte[] request) {
    }

    private static ServerAnswer replay(String answerHex) throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> request = CompletableFuture.supplyAsync(() -> {
                try (Socket socket = listener.accept()) {
                    byte[] received = socket.getInputStream().readNBytes(19);
                    socket.getOutputStream().write(HexFormat.of().parseHex(answerHex));
                    socket.getOutputStream().flush();
                    return received;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            RdpProbe.ConnectionConfirm confirm = RdpProbe.connectionConfirm(
                    new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort()), TIMEOUT);
            return new ServerAnswer(confirm, request.get(5, TimeUnit.SECONDS));
        }
    }
}
