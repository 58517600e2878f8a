package cn.ac.ihep.heps.guacamole.resolver.connection;

import cn.ac.ihep.heps.guacamole.resolver.activity.SessionRegistry;
import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopPrincipal;
import cn.ac.ihep.heps.guacamole.resolver.power.DesktopWakeService;
import cn.ac.ihep.heps.guacamole.resolver.share.LiveSessions;
import cn.ac.ihep.heps.guacamole.resolver.share.ShareMode;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.net.GuacamoleTunnel;
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

    private final Desktop desktop;
    private final DesktopPrincipal principal;
    private final DesktopWakeService wakeService;
    private final ConnectionProfileFactory profiles;
    private final SessionRegistry activity;
    private final GuacamoleProxyConfiguration guacd;
    private final LiveSessions sessions;
    private final boolean shareable;

    public DesktopConnection(Desktop desktop, DesktopPrincipal principal, DesktopWakeService wakeService,
            ConnectionProfileFactory profiles, SessionRegistry activity, GuacamoleProxyConfiguration guacd,
            String parentIdentifier, LiveSessions sessions, boolean shareable) {
        super(desktop.id(), DesktopNames.displayName(desktop), parentIdentifier, desktop.protocol());
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
        GuacamoleTunnel opened = wakeService.connect(desktop, principal, ready -> {
            GuacamoleConfiguration config = profiles.configurationFor(ready, principal.username());
            // Tokens are interpreted so recording names can use ${GUAC_USERNAME}, ${GUAC_DATE}, …
            return new SimpleConnection(getName(), getIdentifier(), guacd, config, true).connect(info, tokens);
        });
        // Tracked, so the session can be shared from Guacamole's menu while it lasts; observed so
        // the agent learns who uses the desktop, and idle sessions can be warned and closed.
        GuacamoleTunnel shareable = sessions.track(opened, desktop, principal.username(),
                tokens == null ? null : tokens.get("GUAC_CLIENT_ADDRESS"));
        return activity.observe(shareable, desktop.id(), principal.username());
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
