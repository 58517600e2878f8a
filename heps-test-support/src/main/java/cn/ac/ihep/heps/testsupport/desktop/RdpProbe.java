package cn.ac.ihep.heps.testsupport.desktop;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * The first exchange of an RDP connection ([MS-RDPBCGR] 1.3.1.1): an X.224 Connection Request
 * carrying an RDP Negotiation Request, and the server's X.224 Connection Confirm. Enough to show
 * that an RDP server (xrdp, Windows) answers on a port and which security protocol it picks.
 */
public final class RdpProbe {

    /** [MS-RDPBCGR] 2.2.1.1.1 requestedProtocols / selectedProtocol values. */
    public static final int PROTOCOL_RDP = 0;
    public static final int PROTOCOL_SSL = 1;
    public static final int PROTOCOL_HYBRID = 2;

    /**
     * The server's answer: the protocol it selected, or the failure code of an RDP Negotiation
     * Failure (then {@code selectedProtocol} is -1).
     */
    public record ConnectionConfirm(int selectedProtocol, int failureCode) {
        public boolean negotiated() {
            return selectedProtocol >= 0;
        }
    }

    private RdpProbe() {
    }

    /**
     * Sends a Connection Request offering TLS and CredSSP (as Guacamole's FreeRDP does with
     * security "any") and reads the Connection Confirm.
     *
     * @throws IOException when nothing answers, or the answer is not an X.224 Connection Confirm
     */
    public static ConnectionConfirm connectionConfirm(InetSocketAddress address, Duration timeout) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            ByteBuffer negotiation = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                    .put((byte) 1).put((byte) 0).putShort((short) 8).putInt(PROTOCOL_SSL | PROTOCOL_HYBRID);
            int x224Length = 7 + negotiation.capacity();
            ByteBuffer request = ByteBuffer.allocate(4 + x224Length) // TPKT header, big endian
                    .put((byte) 3).put((byte) 0).putShort((short) (4 + x224Length))
                    .put((byte) (x224Length - 1)).put((byte) 0xE0) // length indicator, CR
                    .putShort((short) 0).putShort((short) 0).put((byte) 0) // DST-REF, SRC-REF, class 0
                    .put(negotiation.array());
            OutputStream out = socket.getOutputStream();
            out.write(request.array());
            out.flush();

            DataInputStream in = new DataInputStream(socket.getInputStream());
            if (in.readUnsignedByte() != 3) {
                throw new IOException("the answer is not a TPKT");
            }
            in.readUnsignedByte();
            int length = in.readUnsignedShort();
            if (length < 11 || length > 1024) {
                throw new IOException("a TPKT of " + length + " bytes is no Connection Confirm");
            }
            byte[] x224 = new byte[length - 4];
            in.readFully(x224);
            if ((x224[1] & 0xF0) != 0xD0) {
                throw new IOException(String.format("X.224 code 0x%02x instead of a Connection Confirm (0xd0)", x224[1] & 0xff));
            }
            if (x224.length < 7 + 8) {
                return new ConnectionConfirm(PROTOCOL_RDP, 0); // no negotiation response: standard RDP security
            }
            ByteBuffer response = ByteBuffer.wrap(x224, 7, 8).order(ByteOrder.LITTLE_ENDIAN);
            int type = response.get() & 0xff;
            response.get();
            response.getShort();
            int value = response.getInt();
            return switch (type) {
                case 2 -> new ConnectionConfirm(value, 0);
                case 3 -> new ConnectionConfirm(-1, value);
                default -> throw new IOException("unknown RDP negotiation response type " + type);
            };
        }
    }
}
