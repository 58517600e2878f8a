package cn.ac.ihep.heps.guacamole.resolver.connection;

import cn.ac.ihep.heps.guacamole.resolver.activity.SessionRegistry;
import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopPrincipal;
import cn.ac.ihep.heps.guacamole.resolver.power.DesktopWakeService;
import cn.ac.ihep.heps.guacamole.resolver.recording.RecordedSession;
import cn.ac.ihep.heps.guacamole.resolver.recording.RecordedTunnel;
import cn.ac.ihep.heps.guacamole.resolver.recording.RecordingHistory;
import cn.ac.ihep.heps.guacamole.resolver.recording.RecordingStore;
import cn.ac.ihep.heps.guacamole.resolver.share.LiveSessions;
import cn.ac.ihep.heps.guacamole.resolver.share.ShareMode;
import cn.ac.ihep.heps.guacamole.resolver.signin.RdpSingleSignOn;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.net.GuacamoleTunnel;
import org.apache.guacamole.net.auth.ActivityRecordSet;
import org.apache.guacamole.net.auth.ConnectionRecord;
import org.apache.guacamole.net.auth.GuacamoleProxyConfiguration;
import org.apache.guacamole.net.auth.simple.SimpleConnection;
import org.apache.guacamole.protocol.GuacamoleClientInformation;
import org.apache.guacamole.protocol.GuacamoleConfiguration;

/**
 * One desktop VM offered as a Guacamole connection; its identifier is the Nova server id.
 *
 * <p>The parameters (the VNC password among them) are built at connect time and never
 * exposed: {@link #getConfiguration()} carries the protocol only, whatever permission the
 * caller has.
 */
public class DesktopConnection extends ProtocolOnlyConnection {

    /** The connection attribute that says a desktop's sessions are recorded. */
    public static final String RECORDED_ATTRIBUTE = "heps-recorded";

    private final Desktop desktop;
    private final DesktopPrincipal principal;
    private final DesktopWakeService wakeService;
    private final ConnectionProfileFactory profiles;
    private final SessionRegistry activity;
    private final GuacamoleProxyConfiguration guacd;
    private final LiveSessions sessions;
    private final boolean shareable;
    private final RecordingStore recordings;
    private final RecordingHistory history;
    private final boolean recorded;
    private final boolean auditor;
    private final RdpSingleSignOn singleSignOn;

    /**
     * @param displayName what the list shows ({@link DesktopNames})
     * @param recorded whether its sessions are recorded (the user is told before one opens)
     * @param singleSignOn signs the owner in to an RDP desktop
     */
    public DesktopConnection(Desktop desktop, String displayName, DesktopPrincipal principal,
            DesktopWakeService wakeService, ConnectionProfileFactory profiles, SessionRegistry activity,
            GuacamoleProxyConfiguration guacd, String parentIdentifier, LiveSessions sessions, boolean shareable,
            RecordingStore recordings, RecordingHistory history, boolean auditor, boolean recorded,
            RdpSingleSignOn singleSignOn) {
        super(desktop.id(), displayName, parentIdentifier, desktop.protocol());
        this.recordings = recordings;
        this.history = history;
        this.recorded = recorded;
        this.auditor = auditor;
        this.singleSignOn = singleSignOn;
        this.desktop = desktop;
        this.principal = principal;
        this.wakeService = wakeService;
        this.profiles = profiles;
        this.activity = activity;
        this.guacd = guacd;
        this.sessions = sessions;
        this.shareable = shareable;
    }

    @Override
    public GuacamoleTunnel connect(GuacamoleClientInformation info, Map<String, String> tokens)
            throws GuacamoleException {
        String clientAddress = tokens == null ? null : tokens.get("GUAC_CLIENT_ADDRESS");
        GuacamoleTunnel opened = wakeService.connect(desktop, principal, ready -> {
            // Recorded as the user was told at login (the connection's name and attribute), once the
            // desktop is ready; a session that cannot be recorded is not opened.
            RecordedSession recording = recorded
                    ? recordings.begin(desktop.id(), getName(), principal.username(), clientAddress) : null;
            try {
                GuacamoleConfiguration config = profiles.configurationFor(ready, principal.username(), recording);
                // The owner's AD sign-in, in this configuration only: it ends with this connect.
                singleSignOn.apply(config, ready, principal);
                GuacamoleTunnel tunnel = new SimpleConnection(getName(), getIdentifier(), guacd, config, true)
                        .connect(info, tokens);
                return recording == null ? tunnel : new RecordedTunnel(tunnel, recording, recordings);
            } catch (GuacamoleException | RuntimeException e) {
                if (recording != null) {
                    recordings.abandon(recording);
                }
                throw e;
            }
        });
        // Tracked, so the session can be shared from Guacamole's menu while it lasts; observed so
        // the agent learns who uses the desktop, and idle sessions can be warned and closed.
        GuacamoleTunnel shareable = sessions.track(opened, desktop, principal.username(), clientAddress);
        return activity.observe(shareable, desktop.id(), principal.username());
    }

    /** Whether this desktop's sessions are recorded (the user is told before one opens). */
    public boolean isRecorded() {
        return recorded;
    }

    /** {@value #RECORDED_ATTRIBUTE} = {@code true} on a recorded desktop, for the notice the web part shows. */
    @Override
    public Map<String, String> getAttributes() {
        return recorded ? Map.of(RECORDED_ATTRIBUTE, "true") : Map.of();
    }

    /** The recorded sessions of this desktop this user may see (an auditor: all of them). */
    @Override
    public ActivityRecordSet<ConnectionRecord> getConnectionHistory() {
        return history.ofDesktop(desktop.id(), principal.username(), auditor);
    }

    public Desktop desktop() {
        return desktop;
    }

    /** View-only and full-control sharing of the session, unless the site turned sharing off. */
    @Override
    public Set<String> getSharingProfileIdentifiers() {
        if (!shareable) {
            return Collections.emptySet();
        }
        return Arrays.stream(ShareMode.values()).map(mode -> mode.profileIdentifier(desktop.id()))
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }
}
