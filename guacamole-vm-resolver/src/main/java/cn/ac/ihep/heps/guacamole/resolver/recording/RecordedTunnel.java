package cn.ac.ihep.heps.guacamole.resolver.recording;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.net.DelegatingGuacamoleTunnel;
import org.apache.guacamole.net.GuacamoleTunnel;

/** The tunnel of a recorded session: its close notes the session's end in its history entry. */
public final class RecordedTunnel extends DelegatingGuacamoleTunnel {

    private final RecordedSession session;
    private final RecordingStore store;
    private final AtomicBoolean ended = new AtomicBoolean();

    public RecordedTunnel(GuacamoleTunnel tunnel, RecordedSession session, RecordingStore store) {
        super(tunnel);
        this.session = session;
        this.store = store;
    }

    @Override
    public void close() throws GuacamoleException {
        try {
            super.close();
        } finally {
            if (ended.compareAndSet(false, true)) {
                store.end(session);
            }
        }
    }
}
