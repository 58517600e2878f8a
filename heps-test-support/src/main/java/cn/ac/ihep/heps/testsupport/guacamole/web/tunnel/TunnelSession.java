package cn.ac.ihep.heps.testsupport.guacamole.web.tunnel;

import cn.ac.ihep.heps.testsupport.guacamole.web.display.FrameLog;
import cn.ac.ihep.heps.testsupport.guacamole.web.display.RemoteDisplay;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.guacamole.protocol.GuacamoleStatus;

/**
 * One connection through Guacamole's WebSocket tunnel, behaving as the JavaScript client does:
 * it reads the tunnel's UUID from the first (internal) instruction, draws what guacd sends into
 * a {@link RemoteDisplay}, answers every {@code sync} at once with the same timestamp, sends a
 * {@code nop} keep-alive and internal pings, ends on {@code error} or {@code disconnect} by
 * sending {@code disconnect} and closing, and gives up when nothing arrives for the receive
 * timeout. Every wait is bounded.
 */
public final class TunnelSession implements AutoCloseable {

    private static final ScheduledExecutorService TIMERS = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "guacamole-tunnel-timers");
        thread.setDaemon(true);
        return thread;
    });

    private final TunnelOptions options;
    private final RemoteDisplay display;
    private final InstructionParser parser = new InstructionParser();
    private final Object monitor = new Object();
    private final Map<String, Long> opcodes = new TreeMap<>();
    private final long openedAtNanos = System.nanoTime();

    private WebSocket socket;
    private CompletableFuture<?> sendChain = CompletableFuture.completedFuture(null);
    private volatile ScheduledFuture<?> timer;
    private volatile long lastReceivedNanos = openedAtNanos;
    private volatile long lastPingNanos;
    private volatile long lastKeepAliveNanos = openedAtNanos;
    private volatile long webSocketOpenNanos;
    private String uuid;
    private String name;
    private List<String> required;
    private String lastAcknowledgedSync;
    private TunnelStatus endStatus;
    private long endedAtNanos;
    private final List<Message> messages = new ArrayList<>();

    /**
     * A {@code msg} instruction from the server (Guacamole 1.6's notifications to the user, and
     * extensions' own codes), as it arrived.
     */
    public record Message(int code, List<String> args, long receivedNanos) {
        public Message {
            args = List.copyOf(args);
        }
    }

    private TunnelSession(TunnelOptions options) {
        this.options = options;
        this.display = new RemoteDisplay(options.display());
    }

    /**
     * Opens the tunnel. Returns once the WebSocket is open, or once opening it failed (the
     * session has then ended with a {@link TunnelStatus.Origin#HANDSHAKE} status); never later
     * than the connect timeout.
     */
    static TunnelSession open(HttpClient http, URI tunnelUri, TunnelOptions options) {
        TunnelSession session = new TunnelSession(options);
        session.connect(http, tunnelUri);
        return session;
    }

    private void connect(HttpClient http, URI tunnelUri) {
        CompletableFuture<WebSocket> opening = http.newWebSocketBuilder()
                .subprotocols("guacamole")
                .connectTimeout(options.connectTimeout())
                .buildAsync(tunnelUri, new Listener());
        try {
            WebSocket opened = opening.get(options.connectTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
            synchronized (monitor) {
                if (endStatus != null) {
                    opened.abort();
                    return;
                }
                socket = opened;
            }
            long period = Math.max(50, Math.min(options.pingInterval().toMillis(), 500));
            timer = TIMERS.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WebSocketHandshakeException handshake) {
                int status = handshake.getResponse().statusCode();
                end(new TunnelStatus(TunnelStatus.fromHttpStatus(status), "HTTP " + status + " from " + redact(tunnelUri),
                        TunnelStatus.Origin.HANDSHAKE));
            } else {
                end(new TunnelStatus(GuacamoleStatus.UPSTREAM_NOT_FOUND.getGuacamoleStatusCode(),
                        "cannot open " + redact(tunnelUri) + ": " + cause, TunnelStatus.Origin.HANDSHAKE));
            }
        } catch (TimeoutException e) {
            opening.cancel(true);
            end(new TunnelStatus(GuacamoleStatus.UPSTREAM_TIMEOUT.getGuacamoleStatusCode(),
                    "the WebSocket did not open within " + options.connectTimeout(), TunnelStatus.Origin.HANDSHAKE));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            opening.cancel(true);
            end(new TunnelStatus(GuacamoleStatus.CLIENT_TIMEOUT.getGuacamoleStatusCode(), "interrupted while opening",
                    TunnelStatus.Origin.LOCAL));
        }
    }

    public RemoteDisplay display() {
        return display;
    }

    public FrameLog frames() {
        return display.frames();
    }

    /** {@link System#nanoTime()} when {@link #open} began. */
    public long openedAtNanos() {
        return openedAtNanos;
    }

    /** {@link System#nanoTime()} when the WebSocket upgrade completed, 0 if it did not. */
    public long webSocketOpenNanos() {
        return webSocketOpenNanos;
    }

    /** The tunnel's UUID, once the web application has sent it. */
    public Optional<String> uuid() {
        synchronized (monitor) {
            return Optional.ofNullable(uuid);
        }
    }

    /** The connection's name from guacd's {@code name} instruction. */
    public Optional<String> name() {
        synchronized (monitor) {
            return Optional.ofNullable(name);
        }
    }

    /** The parameters guacd asked the user for ({@code required}), if it did. */
    public Optional<List<String>> required() {
        synchronized (monitor) {
            return Optional.ofNullable(required);
        }
    }

    /** The {@code msg} instructions received so far, in order. */
    public List<Message> messages() {
        synchronized (monitor) {
            return List.copyOf(messages);
        }
    }

    /** Waits for a {@code msg} with this code; empty when none came before the timeout or the end. */
    public Optional<Message> awaitMessage(int code, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (monitor) {
            while (true) {
                for (Message message : messages) {
                    if (message.code() == code) {
                        return Optional.of(message);
                    }
                }
                long remaining = deadline - System.nanoTime();
                if (endStatus != null || remaining <= 0) {
                    return Optional.empty();
                }
                waitOn(remaining);
            }
        }
    }

    /** When the session ended (System.nanoTime), once it has. */
    public OptionalLong endedAtNanos() {
        synchronized (monitor) {
            return endedAtNanos == 0 ? OptionalLong.empty() : OptionalLong.of(endedAtNanos);
        }
    }

    /** How many instructions of each opcode arrived (internal ones as "(internal)"). */
    public Map<String, Long> opcodeCounts() {
        synchronized (monitor) {
            return Map.copyOf(opcodes);
        }
    }

    /** Why the tunnel ended, once it has. */
    public Optional<TunnelStatus> endStatus() {
        synchronized (monitor) {
            return Optional.ofNullable(endStatus);
        }
    }

    public boolean isOpen() {
        synchronized (monitor) {
            return endStatus == null;
        }
    }

    public FrameWait awaitFirstFrame(Duration timeout) {
        return awaitFrames(1, timeout);
    }

    /** Waits until {@code count} frames in all have arrived, the tunnel ends, or the timeout passes. */
    public FrameWait awaitFrames(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (monitor) {
            while (true) {
                int frames = display.frames().count();
                if (frames >= count) {
                    return new FrameWait.Frames(frames, display.frames().lastFrameNanos().orElse(0));
                }
                if (endStatus != null) {
                    return new FrameWait.Ended(endStatus, frames);
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return new FrameWait.TimedOut(timeout, frames);
                }
                waitOn(remaining);
            }
        }
    }

    /** Waits for the tunnel to end; empty when it is still open after the timeout. */
    public Optional<TunnelStatus> awaitEnd(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (monitor) {
            while (endStatus == null) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return Optional.empty();
                }
                waitOn(remaining);
            }
            return Optional.of(endStatus);
        }
    }

    /** Sends an instruction to guacd (through the web application). */
    public void send(Instruction instruction) {
        sendRaw(instruction.encode());
    }

    /** Disconnects as the JavaScript client does: {@code disconnect}, then the WebSocket is closed. */
    @Override
    public void close() {
        end(new TunnelStatus(GuacamoleStatus.SUCCESS.getGuacamoleStatusCode(), "Manually closed.",
                TunnelStatus.Origin.LOCAL));
    }

    private void waitOn(long nanos) {
        try {
            TimeUnit.NANOSECONDS.timedWait(monitor, nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            end(new TunnelStatus(GuacamoleStatus.CLIENT_TIMEOUT.getGuacamoleStatusCode(), "interrupted while waiting",
                    TunnelStatus.Origin.LOCAL));
        }
    }

    private void sendRaw(String text) {
        synchronized (monitor) {
            WebSocket target = socket;
            if (target == null || endStatus != null) {
                return;
            }
            sendChain = sendChain.handle((ignored, failure) -> null).thenCompose(ignored -> target.sendText(text, true));
        }
    }

    /** Timers: the receive timeout, the internal ping, the keep-alive. */
    private void tick() {
        if (!isOpen()) {
            timer.cancel(false);
            return;
        }
        long now = System.nanoTime();
        if (now - lastReceivedNanos > options.receiveTimeout().toNanos()) {
            end(new TunnelStatus(GuacamoleStatus.UPSTREAM_TIMEOUT.getGuacamoleStatusCode(),
                    "Server timeout: nothing received for " + options.receiveTimeout(), TunnelStatus.Origin.CLIENT));
            return;
        }
        if (now - lastPingNanos >= options.pingInterval().toNanos()) {
            lastPingNanos = now;
            send(Instruction.of(Instruction.INTERNAL_OPCODE, "ping", System.currentTimeMillis()));
        }
        if (now - lastKeepAliveNanos >= options.keepAliveInterval().toNanos()) {
            lastKeepAliveNanos = now;
            send(Instruction.of("nop"));
        }
    }

    private void handle(Instruction instruction, long now) {
        synchronized (monitor) {
            opcodes.merge(instruction.isInternal() ? "(internal)" : instruction.opcode(), 1L, Long::sum);
            if (instruction.isInternal()) {
                // The first one carries the tunnel's UUID; later ones echo our pings.
                if (uuid == null && instruction.args().size() == 1) {
                    uuid = instruction.args().get(0);
                }
                return;
            }
        }
        switch (instruction.opcode()) {
            case "sync" -> {
                boolean frame = display.apply(instruction, now);
                String timestamp = instruction.arg(0);
                if (!timestamp.equals(lastAcknowledgedSync)) {
                    lastAcknowledgedSync = timestamp;
                    send(Instruction.of("sync", timestamp));
                }
                if (frame) {
                    synchronized (monitor) {
                        monitor.notifyAll();
                    }
                }
            }
            case "error" -> end(new TunnelStatus(instruction.intArg(1), instruction.arg(0),
                    TunnelStatus.Origin.ERROR_INSTRUCTION));
            case "disconnect" -> end(new TunnelStatus(GuacamoleStatus.SUCCESS.getGuacamoleStatusCode(),
                    "disconnected by the server", TunnelStatus.Origin.DISCONNECT_INSTRUCTION));
            case "name" -> {
                synchronized (monitor) {
                    name = instruction.arg(0);
                }
            }
            case "required" -> {
                synchronized (monitor) {
                    required = instruction.args();
                }
            }
            case "msg" -> {
                synchronized (monitor) {
                    messages.add(new Message(instruction.intArg(0), instruction.args().subList(1, instruction.args().size()),
                            now));
                    monitor.notifyAll();
                }
            }
            default -> display.apply(instruction, now);
        }
    }

    /** Ends the session once: records why, wakes waiters, says {@code disconnect} and closes the WebSocket. */
    private void end(TunnelStatus status) {
        WebSocket target;
        synchronized (monitor) {
            if (endStatus != null) {
                return;
            }
            target = socket;
            if (target != null && status.origin() != TunnelStatus.Origin.CLOSE) {
                sendRaw(Instruction.of("disconnect").encode());
            }
            endStatus = status;
            endedAtNanos = System.nanoTime();
            monitor.notifyAll();
        }
        if (timer != null) {
            timer.cancel(false);
        }
        if (target != null) {
            WebSocket closing = target;
            sendChain.handle((ignored, failure) -> null)
                    .thenCompose(ignored -> closing.sendClose(WebSocket.NORMAL_CLOSURE, ""))
                    .orTimeout(2, TimeUnit.SECONDS)
                    .whenComplete((ignored, failure) -> closing.abort());
        }
    }

    private static String redact(URI uri) {
        String text = uri.toString();
        return text.replaceAll("token=[^&]*", "token=…");
    }

    private final class Listener implements WebSocket.Listener {

        @Override
        public void onOpen(WebSocket webSocket) {
            synchronized (monitor) {
                // Set here, not when buildAsync completes: the first sync may arrive before that.
                socket = webSocket;
            }
            webSocketOpenNanos = System.nanoTime();
            lastReceivedNanos = webSocketOpenNanos;
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            long now = System.nanoTime();
            lastReceivedNanos = now;
            try {
                parser.receive(data, instruction -> {
                    if (isOpen()) {
                        handle(instruction, now);
                    }
                });
            } catch (GuacamoleProtocolException e) {
                end(new TunnelStatus(GuacamoleStatus.SERVER_ERROR.getGuacamoleStatusCode(), e.getMessage(),
                        TunnelStatus.Origin.CLIENT));
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            int code;
            try {
                code = reason == null || reason.isBlank() ? TunnelStatus.fromWebSocketCode(statusCode)
                        : Integer.parseInt(reason.trim());
            } catch (NumberFormatException e) {
                code = TunnelStatus.fromWebSocketCode(statusCode);
            }
            end(new TunnelStatus(code, "WebSocket closed with " + statusCode
                    + (reason == null || reason.isBlank() ? "" : " \"" + reason + "\""), TunnelStatus.Origin.CLOSE));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            end(new TunnelStatus(GuacamoleStatus.UPSTREAM_NOT_FOUND.getGuacamoleStatusCode(),
                    "WebSocket failed: " + error, TunnelStatus.Origin.CLOSE));
        }
    }
}
