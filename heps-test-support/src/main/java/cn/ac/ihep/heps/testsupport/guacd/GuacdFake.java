package cn.ac.ihep.heps.testsupport.guacd;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A loopback server that plays guacd's side of the Guacamole protocol handshake, so a test
 * can see the exact parameters guacd would receive from a connection's {@code connect()}.
 *
 * <p>It answers {@code select} with guacd 1.6.0's {@code args} list for the protocol, reads
 * {@code size}, {@code audio}, {@code video}, {@code image} and the optional
 * {@code timezone} / {@code name}, and on {@code connect} checks the value count the way
 * guacd does: a mismatch gets an {@code error} instead of {@code ready}. Each completed
 * handshake is recorded; the connection then stays open, silent, until the client closes it.
 * A {@code select} of a {@code $…} id joins a connection this fake made ready (sharing), with
 * that connection's parameters; an unknown id is dropped, as guacd drops it.
 */
public final class GuacdFake implements AutoCloseable {

    /** Guacamole status code guacd uses for a refused handshake (CLIENT_BAD_REQUEST). */
    private static final String CLIENT_BAD_REQUEST = "768";
    /** Guacamole status code for an unknown protocol (SERVER_ERROR would retry; this does not). */
    private static final String UNSUPPORTED = "256";

    private final ServerSocket serverSocket;
    private final Thread acceptor;
    private final BlockingQueue<GuacdHandshake> handshakes = new LinkedBlockingQueue<>();
    private final List<String> refusals = new CopyOnWriteArrayList<>();
    private final List<Socket> clients = new CopyOnWriteArrayList<>();
    /** Protocol of each connection this fake made ready, by its {@code $…} id, so others can join it. */
    private final Map<String, String> connections = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean closed;

    private GuacdFake(ServerSocket serverSocket) {
        this.serverSocket = serverSocket;
        this.acceptor = new Thread(this::acceptLoop, "guacd-fake-" + serverSocket.getLocalPort());
        this.acceptor.setDaemon(true);
    }

    /** Starts a fake on an ephemeral loopback port. */
    public static GuacdFake start() throws IOException {
        ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        GuacdFake fake = new GuacdFake(socket);
        fake.acceptor.start();
        return fake;
    }

    public String hostname() {
        return serverSocket.getInetAddress().getHostAddress();
    }

    public int port() {
        return serverSocket.getLocalPort();
    }

    /** The next completed handshake, waiting up to {@code timeout}; fails if none arrives. */
    public GuacdHandshake awaitHandshake(Duration timeout) throws InterruptedException {
        GuacdHandshake handshake = handshakes.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (handshake == null) {
            throw new AssertionError("guacd fake received no complete handshake within " + timeout
                    + (refusals.isEmpty() ? "" : "; refused: " + refusals));
        }
        return handshake;
    }

    /** Handshakes recorded and not yet taken by {@link #awaitHandshake}. */
    public int pendingHandshakes() {
        return handshakes.size();
    }

    /** Why handshakes were refused, in order. */
    public List<String> refusals() {
        return List.copyOf(refusals);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = serverSocket.accept();
                clients.add(client);
                Thread handler = new Thread(() -> serve(client), "guacd-fake-client");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException e) {
                if (!closed) {
                    refusals.add("accept failed: " + e.getMessage());
                }
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            Reader reader = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
            Writer writer = new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8);
            handshake(reader, writer);
            // Like guacd after "ready": keep the connection until the client leaves.
            while (GuacamoleInstructionCodec.read(reader) != null) {
                // Instructions after the handshake are not part of what tests assert.
            }
        } catch (IOException e) {
            if (!closed && !client.isClosed()) {
                refusals.add("connection failed: " + e.getMessage());
            }
        }
    }

    private void handshake(Reader reader, Writer writer) throws IOException {
        List<String> select = expect(reader, "select");
        if (select.size() != 2) {
            refuse(writer, "select takes exactly one argument", CLIENT_BAD_REQUEST);
            return;
        }
        String protocol = select.get(1);
        if (protocol.startsWith("$")) {
            // Joining a running connection: guacd closes the socket when the id is unknown.
            if (!connections.containsKey(protocol)) {
                refusals.add("Connection \"" + protocol + "\" does not exist");
                return;
            }
        }
        List<String> arguments = GuacdArguments.forProtocol(connections.getOrDefault(protocol, protocol)).orElse(null);
        if (arguments == null) {
            refuse(writer, "Protocol \"" + protocol + "\" is not supported", UNSUPPORTED);
            return;
        }
        List<String> announced = new ArrayList<>();
        announced.add(GuacdArguments.PROTOCOL_VERSION);
        announced.addAll(arguments);
        GuacamoleInstructionCodec.write(writer, "args", announced);

        List<String> size = List.of();
        List<String> audio = List.of();
        List<String> video = List.of();
        List<String> image = List.of();
        String timezone = null;
        String name = null;
        while (true) {
            List<String> instruction = GuacamoleInstructionCodec.read(reader);
            if (instruction == null) {
                refusals.add("client closed the connection during the handshake");
                return;
            }
            List<String> args = instruction.subList(1, instruction.size());
            switch (instruction.get(0)) {
                case "size" -> size = List.copyOf(args);
                case "audio" -> audio = List.copyOf(args);
                case "video" -> video = List.copyOf(args);
                case "image" -> image = List.copyOf(args);
                case "timezone" -> timezone = args.isEmpty() ? null : args.get(0);
                case "name" -> name = args.isEmpty() ? null : args.get(0);
                case "connect" -> {
                    completeConnect(writer, protocol, arguments, args,
                            new HandshakeExtras(size, audio, video, image, timezone, name));
                    return;
                }
                default -> {
                    refuse(writer, "Unexpected \"" + instruction.get(0) + "\" during the handshake", CLIENT_BAD_REQUEST);
                    return;
                }
            }
        }
    }

    private record HandshakeExtras(List<String> size, List<String> audio, List<String> video,
            List<String> image, String timezone, String name) {
    }

    private void completeConnect(Writer writer, String protocol, List<String> arguments,
            List<String> values, HandshakeExtras extras) throws IOException {
        String clientVersion = null;
        List<String> parameterValues = values;
        if (!values.isEmpty() && values.get(0).startsWith("VERSION_")) {
            clientVersion = values.get(0);
            parameterValues = values.subList(1, values.size());
        }
        if (parameterValues.size() != arguments.size()) {
            refuse(writer, "Incorrect number of connection parameters provided: expected "
                    + arguments.size() + ", got " + parameterValues.size(), CLIENT_BAD_REQUEST);
            return;
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 0; i < arguments.size(); i++) {
            parameters.put(arguments.get(i), parameterValues.get(i));
        }
        String connectionId = protocol.startsWith("$") ? protocol : "$" + UUID.randomUUID();
        connections.putIfAbsent(connectionId, protocol);
        handshakes.add(new GuacdHandshake(protocol, parameters, clientVersion, extras.size(),
                extras.audio(), extras.video(), extras.image(), extras.timezone(), extras.name(), connectionId));
        GuacamoleInstructionCodec.write(writer, "ready", List.of(connectionId));
    }

    private List<String> expect(Reader reader, String opcode) throws IOException {
        List<String> instruction = GuacamoleInstructionCodec.read(reader);
        if (instruction == null || !instruction.get(0).equals(opcode)) {
            throw new IOException("Expected \"" + opcode + "\" but got "
                    + (instruction == null ? "end of stream" : "\"" + instruction.get(0) + "\""));
        }
        return instruction;
    }

    private void refuse(Writer writer, String message, String status) throws IOException {
        refusals.add(message);
        GuacamoleInstructionCodec.write(writer, "error", List.of(message, status));
    }

    @Override
    public void close() throws IOException {
        closed = true;
        serverSocket.close();
        for (Socket client : clients) {
            client.close();
        }
    }
}
