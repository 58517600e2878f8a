package cn.ac.ihep.heps.guacamole.resolver.support;

import cn.ac.ihep.heps.common.activity.ActivityReport.SessionJoin;
import cn.ac.ihep.heps.guacamole.resolver.activity.JoinLog;
import cn.ac.ihep.heps.guacamole.resolver.connection.DesktopNames;
import cn.ac.ihep.heps.guacamole.resolver.connection.ProtocolOnlyConnection;
import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;
import cn.ac.ihep.heps.guacamole.resolver.share.LiveSession;
import cn.ac.ihep.heps.guacamole.resolver.share.LiveSessions;
import cn.ac.ihep.heps.guacamole.resolver.share.ShareMode;
import java.util.Map;
import java.util.Set;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.language.TranslatableGuacamoleResourceNotFoundException;
import org.apache.guacamole.language.TranslatableMessage;
import org.apache.guacamole.net.GuacamoleTunnel;
import org.apache.guacamole.net.auth.GuacamoleProxyConfiguration;
import org.apache.guacamole.net.auth.simple.SimpleConnection;
import org.apache.guacamole.protocol.GuacamoleClientInformation;
import org.apache.guacamole.protocol.GuacamoleConfiguration;

/**
 * A desktop of a support user's beamlines, offered to them view only. Connecting never opens the
 * VM itself (that would take over the owner's screen): it joins the live session its user has
 * open on this Guacamole node, read-only, exactly as a view-only share link would, and the join
 * is audited. Its identifier is the desktop's view sharing profile, {@code <server id>~view}.
 * Full control comes only from the owner, who can hand support a full-control share link.
 */
public class SupportViewConnection extends ProtocolOnlyConnection {

    private final Desktop desktop;
    private final String supportUser;
    private final LiveSessions sessions;
    private final JoinLog joins;
    private final GuacamoleProxyConfiguration guacd;

    public SupportViewConnection(Desktop desktop, String supportUser, LiveSessions sessions, JoinLog joins,
            GuacamoleProxyConfiguration guacd, String parentIdentifier) {
        super(ShareMode.VIEW.profileIdentifier(desktop.id()), DesktopNames.displayName(desktop) + " ("
                + desktop.owner().map(owner -> owner + ", ").orElse("") + "view only)", parentIdentifier,
                desktop.protocol());
        this.desktop = desktop;
        this.supportUser = supportUser;
        this.sessions = sessions;
        this.joins = joins;
        this.guacd = guacd;
    }

    public Desktop desktop() {
        return desktop;
    }

    @Override
    public GuacamoleTunnel connect(GuacamoleClientInformation info, Map<String, String> tokens)
            throws GuacamoleException {
        LiveSession session = sessions.newestOn(desktop.id()).orElseThrow(() ->
                new TranslatableGuacamoleResourceNotFoundException("Nobody is using desktop \"" + desktop.name()
                        + "\" through this Guacamole server now. Support staff watch a session its user has open; "
                        + "ask the user to open the desktop, then try again.",
                        new TranslatableMessage("HEPS_VM_RESOLVER.ERROR_NO_SESSION_TO_WATCH",
                                Map.of("NAME", desktop.name()))));
        GuacamoleConfiguration join = new GuacamoleConfiguration();
        join.setConnectionID(session.guacdConnectionId());
        ShareMode.VIEW.joinParameters().forEach(join::setParameter);
        GuacamoleTunnel tunnel = new SimpleConnection(getName(), getIdentifier(), guacd, join, false)
                .connect(info, tokens);
        joins.joined(desktop.id(), SessionJoin.SUPPORT_VIEW, supportUser, session.username(),
                tokens == null ? null : tokens.get("GUAC_CLIENT_ADDRESS"));
        return tunnel;
    }

    /** Support staff do not pass a session on. */
    @Override
    public Set<String> getSharingProfileIdentifiers() {
        return Set.of();
    }
}
