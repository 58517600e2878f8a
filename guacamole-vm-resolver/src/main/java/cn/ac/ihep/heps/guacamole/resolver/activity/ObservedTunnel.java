package cn.ac.ihep.heps.guacamole.resolver.activity;

import java.time.Clock;
import java.time.Instant;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.io.GuacamoleReader;
import org.apache.guacamole.io.GuacamoleWriter;
import org.apache.guacamole.net.DelegatingGuacamoleTunnel;
import org.apache.guacamole.net.GuacamoleTunnel;
import org.apache.guacamole.protocol.GuacamoleInstruction;
import org.apache.guacamole.protocol.GuacamoleStatus;

/**
 * The tunnel of one desktop connection, as the resolver returns it from {@code connect()}: it
 * notes when the user sends mouse, keyboard or touch input, can pass a notice to the browser
 * between two of guacd's instructions, and tells the {@link SessionRegistry} when it closes.
 *
 * <p>Nothing here waits on anything but the tunnel itself: input is one clock read and a
 * volatile write on the thread that writes to guacd; notices go out on the thread that reads
 * from guacd, with its next instruction (guacd's keep-alive sends a {@code nop} after 5 seconds of silence).
 */
public final class ObservedTunnel extends DelegatingGuacamoleTunnel {

    /** {@code msg} code of the idle warning: arguments, seconds left and the disconnect time (epoch ms). */
    public static final int IDLE_WARNING = 0x4801;
    /** {@code msg} code that withdraws the idle warning: the user sent input. */
    public static final int IDLE_WARNING_WITHDRAWN = 0x4802;

    private final String serverId;
    private final String username;
    private final Instant openedAt;
    private final Clock clock;
    private final SessionRegistry registry;
    private final InputScanner scanner = new InputScanner();
    private final Queue<GuacamoleInstruction> notices = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long lastInputMillis;
    private volatile Instant warnedDisconnectAt;
    private volatile boolean ending;
    private volatile boolean ended;

    ObservedTunnel(GuacamoleTunnel tunnel, String serverId, String username, Clock clock, SessionRegistry registry) {
        super(tunnel);
        this.serverId = serverId;
        this.username = username;
        this.clock = clock;
        this.registry = registry;
        this.openedAt = clock.instant();
    }

    public String serverId() {
        return serverId;
    }

    public String username() {
        return username;
    }

    public Instant openedAt() {
        return openedAt;
    }

    /** The user's last input through this tunnel, or null before the first. */
    public Instant lastInputAt() {
        long millis = lastInputMillis;
        return millis == 0 ? null : Instant.ofEpochMilli(millis);
    }

    /** Input, or the opening of the tunnel when there was none yet: what an idle limit counts from. */
    public Instant lastActivityAt() {
        Instant input = lastInputAt();
        return input == null || input.isBefore(openedAt) ? openedAt : input;
    }

    /** When the user was told the session closes, or null when no warning stands. */
    public Instant warnedDisconnectAt() {
        return warnedDisconnectAt;
    }

    /** Whether the tunnel is being ended for lack of input. */
    public boolean ending() {
        return ending;
    }

    void inputSeen() {
        lastInputMillis = clock.millis();
        if (warnedDisconnectAt != null && !ending) {
            warnedDisconnectAt = null;
            notices.add(new GuacamoleInstruction("msg", Integer.toString(IDLE_WARNING_WITHDRAWN)));
        }
    }

    /** Tells the browser the session closes at {@code disconnectAt} unless the user sends input. */
    void warn(Instant disconnectAt) {
        if (ending) {
            return;
        }
        warnedDisconnectAt = disconnectAt;
        long seconds = Math.max(0, (disconnectAt.toEpochMilli() - clock.millis() + 999) / 1000);
        notices.add(new GuacamoleInstruction("msg", Integer.toString(IDLE_WARNING), Long.toString(seconds),
                Long.toString(disconnectAt.toEpochMilli())));
    }

    /**
     * Ends the session the way Guacamole reports an inactive session: an {@code error} with
     * status SESSION_TIMEOUT (0x020A), which the web client shows with its own translated
     * message, then the end of the stream, after which the web application closes the tunnel.
     */
    void endForIdleness(String message) {
        if (ending) {
            return;
        }
        notices.add(new GuacamoleInstruction("error", message,
                Integer.toString(GuacamoleStatus.SESSION_TIMEOUT.getGuacamoleStatusCode())));
        ending = true;
    }

    @Override
    public GuacamoleReader acquireReader() {
        return new NoticeReader(super.acquireReader());
    }

    @Override
    public GuacamoleWriter acquireWriter() {
        return new InputWriter(super.acquireWriter());
    }

    @Override
    public void close() throws GuacamoleException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            super.close();
        } finally {
            registry.closed(this);
        }
    }

    @Override
    public boolean isOpen() {
        return !closed.get() && super.isOpen();
    }

    /** Passes guacd's instructions through, with this tunnel's notices in between. */
    private final class NoticeReader implements GuacamoleReader {
        private final GuacamoleReader reader;

        NoticeReader(GuacamoleReader reader) {
            this.reader = reader;
        }

        private GuacamoleInstruction nextNotice() {
            GuacamoleInstruction notice = notices.poll();
            if (notice != null && notice.getOpcode().equals("error")) {
                ended = true;
            }
            return notice;
        }

        @Override
        public boolean available() throws GuacamoleException {
            // After the final error: false, so the web application sends it before the end of the stream.
            return !notices.isEmpty() || !ended && reader.available();
        }

        @Override
        public char[] read() throws GuacamoleException {
            GuacamoleInstruction notice = nextNotice();
            if (notice != null) {
                return notice.toString().toCharArray();
            }
            return ended ? null : reader.read();
        }

        @Override
        public GuacamoleInstruction readInstruction() throws GuacamoleException {
            GuacamoleInstruction notice = nextNotice();
            if (notice != null) {
                return notice;
            }
            return ended ? null : reader.readInstruction();
        }
    }

    /** Passes the browser's instructions to guacd, noting input. */
    private final class InputWriter implements GuacamoleWriter {
        private final GuacamoleWriter writer;

        InputWriter(GuacamoleWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(char[] chunk, int offset, int length) throws GuacamoleException {
            if (scanner.scan(chunk, offset, length)) {
                inputSeen();
            }
            writer.write(chunk, offset, length);
        }

        @Override
        public void write(char[] chunk) throws GuacamoleException {
            write(chunk, 0, chunk.length);
        }

        @Override
        public void writeInstruction(GuacamoleInstruction instruction) throws GuacamoleException {
            if (InputScanner.INPUT_OPCODES.contains(instruction.getOpcode())) {
                inputSeen();
            }
            writer.writeInstruction(instruction);
        }
    }
}
