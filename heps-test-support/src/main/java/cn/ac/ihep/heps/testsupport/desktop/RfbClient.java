package cn.ac.ihep.heps.testsupport.desktop;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * A minimal VNC client (RFB 3.8, RFC 6143) for tests that talk to a real VNC server: the
 * handshake with VNC authentication, the server's framebuffer size and name, and raw pixels
 * of a region.
 *
 * <pre>{@code
 * try (RfbClient vnc = RfbClient.connect(new InetSocketAddress(address, 5900), password, Duration.ofSeconds(5))) {
 *     vnc.serverInit().width();          // 1920
 *     int[] corner = vnc.capture(0, 0, 100, 100);   // 0xRRGGBB per pixel, row by row
 * }
 * }</pre>
 */
public final class RfbClient implements AutoCloseable {

    /** What the server says after the handshake (RFC 6143 §7.3.2). */
    public record ServerInit(int width, int height, int bitsPerPixel, int depth, String name) {
    }

    /** The server refused the password (SecurityResult failed); {@code reason} is its own words. */
    public static final class AuthenticationFailedException extends IOException {
        private final String reason;

        AuthenticationFailedException(String reason) {
            super("VNC authentication failed: " + reason);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    private static final int SECURITY_VNC = 2;
    private static final int ENCODING_RAW = 0;
    /** Pseudo-encodings: the server sends the cursor apart instead of drawing it into the picture. */
    private static final int ENCODING_CURSOR = -239;
    private static final int ENCODING_X_CURSOR = -240;
    private static final int ENCODING_POINTER_POS = -232;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final ServerInit serverInit;

    private RfbClient(Socket socket, ServerInit serverInit) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = new DataOutputStream(socket.getOutputStream());
        this.serverInit = serverInit;
    }

    /**
     * Connects, authenticates with the VNC password and asks for a shared session.
     *
     * @param timeout bounds the connect and every read
     * @throws AuthenticationFailedException when the server refuses the password
     * @throws IOException when the server cannot be reached or speaks something else
     */
    public static RfbClient connect(InetSocketAddress address, String password, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(address, (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());

            byte[] version = new byte[12];
            in.readFully(version);
            String server = new String(version, StandardCharsets.US_ASCII);
            if (!server.startsWith("RFB 003.")) {
                throw new IOException("not an RFB server: " + server.strip());
            }
            out.write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();

            int count = in.readUnsignedByte();
            if (count == 0) {
                throw new IOException("the server refused the connection: " + readString(in));
            }
            byte[] types = new byte[count];
            in.readFully(types);
            boolean vncAuth = false;
            for (byte type : types) {
                vncAuth |= type == SECURITY_VNC;
            }
            if (!vncAuth) {
                throw new IOException("the server offers no VNC authentication, only types " + Arrays.toString(types));
            }
            out.writeByte(SECURITY_VNC);
            out.flush();
            byte[] challenge = new byte[16];
            in.readFully(challenge);
            out.write(vncAuthResponse(challenge, password));
            out.flush();
            if (in.readInt() != 0) {
                throw new AuthenticationFailedException(readString(in));
            }

            out.writeByte(1); // ClientInit: shared
            out.flush();
            int width = in.readUnsignedShort();
            int height = in.readUnsignedShort();
            byte[] pixelFormat = new byte[16];
            in.readFully(pixelFormat);
            String name = readString(in);
            return new RfbClient(socket, new ServerInit(width, height, pixelFormat[0] & 0xff, pixelFormat[1] & 0xff, name));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    public ServerInit serverInit() {
        return serverInit;
    }

    /**
     * The pixels of a region as {@code 0xRRGGBB}, row by row: asks for 32-bit true colour in raw
     * encoding and a full (non-incremental) update of the region, and reads rectangles until the
     * region is covered. Like Guacamole's VNC client it takes the cursor as a separate shape
     * (which it ignores), so the pixels are the screen's own.
     */
    public int[] capture(int x, int y, int width, int height) throws IOException {
        out.writeByte(0); // SetPixelFormat
        out.write(new byte[3]);
        out.write(new byte[] {32, 24, 0 /* little endian */, 1 /* true colour */});
        out.writeShort(255);
        out.writeShort(255);
        out.writeShort(255);
        out.write(new byte[] {16, 8, 0});
        out.write(new byte[3]);
        out.writeByte(2); // SetEncodings
        out.writeByte(0);
        out.writeShort(4);
        out.writeInt(ENCODING_RAW);
        out.writeInt(ENCODING_CURSOR);
        out.writeInt(ENCODING_X_CURSOR);
        out.writeInt(ENCODING_POINTER_POS);
        out.writeByte(3); // FramebufferUpdateRequest, not incremental
        out.writeByte(0);
        out.writeShort(x);
        out.writeShort(y);
        out.writeShort(width);
        out.writeShort(height);
        out.flush();

        int[] pixels = new int[width * height];
        boolean[] seen = new boolean[width * height];
        int missing = width * height;
        while (missing > 0) {
            int type = in.readUnsignedByte();
            switch (type) {
                case 0 -> { // FramebufferUpdate
                    in.readUnsignedByte();
                    int rectangles = in.readUnsignedShort();
                    for (int r = 0; r < rectangles; r++) {
                        int rx = in.readUnsignedShort();
                        int ry = in.readUnsignedShort();
                        int rw = in.readUnsignedShort();
                        int rh = in.readUnsignedShort();
                        int encoding = in.readInt();
                        if (skipPseudoEncoding(encoding, rw, rh)) {
                            continue;
                        }
                        if (encoding != ENCODING_RAW) {
                            throw new IOException("the server sent encoding " + encoding + ", though only raw was asked for");
                        }
                        byte[] data = new byte[rw * rh * 4];
                        in.readFully(data);
                        for (int row = 0; row < rh; row++) {
                            for (int column = 0; column < rw; column++) {
                                int px = rx + column - x;
                                int py = ry + row - y;
                                if (px < 0 || py < 0 || px >= width || py >= height) {
                                    continue;
                                }
                                int offset = (row * rw + column) * 4;
                                int index = py * width + px;
                                pixels[index] = (data[offset + 2] & 0xff) << 16 | (data[offset + 1] & 0xff) << 8
                                        | data[offset] & 0xff;
                                if (!seen[index]) {
                                    seen[index] = true;
                                    missing--;
                                }
                            }
                        }
                    }
                }
                case 1 -> { // SetColourMapEntries: not used in true colour
                    in.readUnsignedByte();
                    in.readUnsignedShort();
                    in.skipNBytes(in.readUnsignedShort() * 6L);
                }
                case 2 -> { // Bell
                }
                case 3 -> { // ServerCutText
                    in.skipNBytes(3);
                    in.skipNBytes(in.readInt() & 0xffffffffL);
                }
                default -> throw new IOException("unknown RFB server message " + type);
            }
        }
        return pixels;
    }

    /** Reads past a cursor update; false for a rectangle of pixels. */
    private boolean skipPseudoEncoding(int encoding, int width, int height) throws IOException {
        long mask = (long) (width + 7) / 8 * height;
        switch (encoding) {
            case ENCODING_CURSOR -> in.skipNBytes((long) width * height * 4 + mask);
            case ENCODING_X_CURSOR -> in.skipNBytes(width * height == 0 ? 0 : 6 + 2 * mask);
            case ENCODING_POINTER_POS -> {
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /**
     * The answer to a VNC authentication challenge: the challenge DES-encrypted with the password
     * (first 8 bytes, zero-padded) as key, each key byte's bits reversed, as every VNC
     * implementation does since the original d3des code.
     */
    public static byte[] vncAuthResponse(byte[] challenge, String password) {
        byte[] key = new byte[8];
        byte[] bytes = password.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < Math.min(8, bytes.length); i++) {
            key[i] = (byte) (Integer.reverse(bytes[i] & 0xff) >>> 24);
        }
        try {
            Cipher des = Cipher.getInstance("DES/ECB/NoPadding");
            des.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "DES"));
            return des.doFinal(challenge);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("DES/ECB/NoPadding is part of every Java runtime", e);
        }
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > 1 << 20) {
            throw new IOException("an RFB string of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        try {
            in.readFully(bytes);
        } catch (EOFException e) {
            throw new IOException("the server closed the connection in the middle of a string", e);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
