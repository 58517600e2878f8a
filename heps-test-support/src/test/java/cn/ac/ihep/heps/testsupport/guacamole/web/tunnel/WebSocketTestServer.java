package cn.ac.ihep.heps.testsupport.guacamole.web.tunnel;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A WebSocket server on loopback speaking RFC 6455 by hand, so a test decides exactly which
 * text messages the client receives (how instructions are cut into messages) and sees every
 * message the client sends. One connection at a time; {@link #refuseWith(int)} answers the
 * upgrade with an HTTP error instead.
 */
final class WebSocketTestServer implements AutoCloseable {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private final ServerSocket server;
    private final BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private volatile int refuseStatus;
    private volatile String lastRequestTarget;
    private Socket current;
    private OutputStream out;

    WebSocketTestServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "websocket-test-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/guacamole/");
    }

    void refuseWith(int httpStatus) {
        refuseStatus = httpStatus;
    }

    String lastRequestTarget() {
        return lastRequestTarget;
    }

    /** Waits for the next connection and completes its upgrade. */
    void accept() throws Exception {
        Socket socket = accepted.poll(10, TimeUnit.SECONDS);
        if (socket == null) {
            throw new AssertionError("no WebSocket connection within 10 s");
        }
        current = socket;
        out = socket.getOutputStream();
        Thread reader = new Thread(() -> readLoop(socket), "websocket-test-server-reader");
        reader.setDaemon(true);
        reader.start();
    }

    void sendText(String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x81);
        writeLength(frame, payload.length);
        frame.write(payload);
        synchronized (this) {
            out.write(frame.toByteArray());
            out.flush();
        }
    }

    void sendClose(int code, String reason) throws IOException {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x88);
        writeLength(frame, text.length + 2);
        frame.write(code >> 8);
        frame.write(code & 0xff);
        frame.write(text);
        synchronized (this) {
            out.write(frame.toByteArray());
            out.flush();
        }
    }

    /** The next text message from the client, or null after the timeout. */
    String nextMessage(long timeoutMillis) throws InterruptedException {
        return received.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** The next message from the client that starts with the prefix, skipping others. */
    String nextMessageStartingWith(String prefix, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            long remaining = deadline - System.currentTimeMillis();
            if (remaining <= 0) {
                return null;
            }
            String message = received.poll(remaining, TimeUnit.MILLISECONDS);
            if (message == null || message.startsWith(prefix)) {
                return message;
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        if (current != null) {
            current.close();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                if (upgrade(socket)) {
                    accepted.add(socket);
                } else {
                    socket.close();
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private boolean upgrade(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                return false;
            }
            head.append((char) c);
        }
        lastRequestTarget = head.substring(head.indexOf(" ") + 1, head.indexOf(" HTTP/"));
        OutputStream response = socket.getOutputStream();
        if (refuseStatus != 0) {
            response.write(("HTTP/1.1 " + refuseStatus + " Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            response.flush();
            return false;
        }
        Matcher key = Pattern.compile("(?im)^Sec-WebSocket-Key:\\s*(\\S+)").matcher(head);
        if (!key.find()) {
            return false;
        }
        response.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + accept(key.group(1)) + "\r\nSec-WebSocket-Protocol: guacamole\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        response.flush();
        return true;
    }

    private void readLoop(Socket socket) {
        try {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            while (true) {
                int first = in.readUnsignedByte();
                int second = in.readUnsignedByte();
                long length = second & 0x7f;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                byte[] mask = new byte[4];
                if ((second & 0x80) != 0) {
                    in.readFully(mask);
                }
                byte[] payload = new byte[(int) length];
                in.readFully(payload);
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i % 4];
                }
                int opcode = first & 0x0f;
                if (opcode == 0x8) {
                    received.add("(close)");
                    return;
                }
                if (opcode == 0x1 || opcode == 0x0) {
                    message.write(payload);
                    if ((first & 0x80) != 0) {
                        received.add(message.toString(StandardCharsets.UTF_8));
                        message.reset();
                    }
                }
            }
        } catch (IOException e) {
            received.add("(closed)");
        }
    }

    private static void writeLength(ByteArrayOutputStream frame, int length) {
        if (length < 126) {
            frame.write(length);
        } else if (length < 65536) {
            frame.write(126);
            frame.write(length >> 8);
            frame.write(length & 0xff);
        } else {
            frame.write(127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) length >> shift) & 0xff);
            }
        }
    }

    private static String accept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
