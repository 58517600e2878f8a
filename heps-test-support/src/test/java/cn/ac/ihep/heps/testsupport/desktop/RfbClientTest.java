package cn.ac.ihep.heps.testsupport.desktop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The client's DES against TigerVNC's, and its side of the protocol against a scripted server
 * on loopback (the real one, x11vnc, is exercised by the provisioning agent's GuestDesktopIT).
 */
class RfbClientTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /**
     * {@code printf 'secret12\n' | vncpasswd -f} (TigerVNC) stores DES("secret12") under the fixed
     * VNC key {23,82,107,6,35,78,88,7} with the same key-bit reversal as the challenge answer.
     */
    @Test
    void answersAChallengeAsTigerVncEncryptsItsPasswordFile() {
        String fixedKey = new String(new byte[] {23, 82, 107, 6, 35, 78, 88, 7}, StandardCharsets.ISO_8859_1);
        byte[] challenge = "secret12secret12".getBytes(StandardCharsets.US_ASCII);
        byte[] block = HexFormat.of().parseHex("24b5ae4ce15503c6");
        byte[] expected = new byte[16];
        System.arraycopy(block, 0, expected, 0, 8);
        System.arraycopy(block, 0, expected, 8, 8);
        assertArrayEquals(expected, RfbClient.vncAuthResponse(challenge, fixedKey));
    }

    @Test
    void handshakeReadsTheFramebufferAndCaptureAssemblesTheRegion() throws Exception {
        byte[] challenge = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> answer = CompletableFuture.supplyAsync(() -> serve(listener, challenge, true));
            try (RfbClient vnc = RfbClient.connect(address(listener), "pw", TIMEOUT)) {
                assertEquals(new RfbClient.ServerInit(1920, 1080, 32, 24, "heps-b1-p-700-hana"), vnc.serverInit());
                int[] pixels = vnc.capture(10, 20, 4, 2);
                int[] expected = new int[8];
                Arrays.fill(expected, 0x40a0c0);
                expected[5] = 0x123456;   // the second rectangle's pixel at (11, 21)
                assertArrayEquals(expected, pixels);
            }
            assertArrayEquals(RfbClient.vncAuthResponse(challenge, "pw"), answer.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void aRefusedPasswordSaysWhy() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> serve(listener, new byte[16], false));
            RfbClient.AuthenticationFailedException refused = assertThrows(RfbClient.AuthenticationFailedException.class,
                    () -> RfbClient.connect(address(listener), "wrong", TIMEOUT));
            assertEquals("Authentication failed", refused.reason());
        }
    }

    private static InetSocketAddress address(ServerSocket listener) {
        return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
    }

    /** One RFB 3.8 session as x11vnc runs it; returns the client's challenge answer. */
    private static byte[] serve(ServerSocket listener, byte[] challenge, boolean accept) {
        try (Socket socket = listener.accept()) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
            byte[] version = new byte[12];
            in.readFully(version);
            out.write(new byte[] {2, 1, 2}); // None and VNC authentication
            if (in.readUnsignedByte() != 2) {
                throw new IOException("the client did not pick VNC authentication");
            }
            out.write(challenge);
            byte[] answer = new byte[16];
            in.readFully(answer);
            if (!accept) {
                out.writeInt(1);
                byte[] reason = "Authentication failed".getBytes(StandardCharsets.US_ASCII);
                out.writeInt(reason.length);
                out.write(reason);
                return answer;
            }
            out.writeInt(0);
            in.readUnsignedByte(); // ClientInit
            out.writeShort(1920);
            out.writeShort(1080);
            out.write(new byte[] {32, 24, 0, 1, 0, (byte) 255, 0, (byte) 255, 0, (byte) 255, 16, 8, 0, 0, 0, 0});
            byte[] name = "heps-b1-p-700-hana".getBytes(StandardCharsets.UTF_8);
            out.writeInt(name.length);
            out.write(name);
            in.readFully(new byte[20]); // SetPixelFormat
            in.readFully(new byte[4]);  // SetEncodings
            byte[] encodings = new byte[in.readUnsignedShort() * 4];
            in.readFully(encodings);
            in.readFully(new byte[10]); // FramebufferUpdateRequest
            out.writeByte(2); // a Bell first: the client must skip it
            out.write(new byte[] {0, 0, 0, 3});
            cursor(out, 10, 20);                   // a cursor shape over the region: not part of the picture
            rectangle(out, 8, 18, 8, 8, 0x40a0c0); // covers the region and more
            rectangle(out, 11, 21, 1, 1, 0x123456);
            out.flush();
            return answer;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A 3x2 cursor shape (RFB Cursor pseudo-encoding -239): pixels, then a bit mask per row. */
    private static void cursor(DataOutputStream out, int x, int y) throws IOException {
        out.writeShort(x);
        out.writeShort(y);
        out.writeShort(3);
        out.writeShort(2);
        out.writeInt(-239);
        out.write(new byte[3 * 2 * 4]);
        out.write(new byte[] {(byte) 0xe0, (byte) 0xe0});
    }

    private static void rectangle(DataOutputStream out, int x, int y, int w, int h, int rgb) throws IOException {
        out.writeShort(x);
        out.writeShort(y);
        out.writeShort(w);
        out.writeShort(h);
        out.writeInt(0);
        for (int i = 0; i < w * h; i++) {
            out.write(new byte[] {(byte) rgb, (byte) (rgb >> 8), (byte) (rgb >> 16), 0});
        }
    }
}
