package cn.ac.ihep.heps.guacamole.resolver.share;

import cn.ac.ihep.heps.common.activity.ActivityReport.SessionJoin;
import cn.ac.ihep.heps.guacamole.resolver.activity.JoinLog;
import java.util.Map;
import java.util.Set;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleResourceNotFoundException;
import org.apache.guacamole.net.GuacamoleTunnel;
import cn.ac.ihep.heps.guacamole.resolver.connection.DesktopConnection;
import cn.ac.ihep.heps.guacamole.resolver.connection.ProtocolOnlyConnection;
import org.apache.guacamole.net.auth.GuacamoleProxyConfiguration;
import org.apache.guacamole.net.auth.simple.SimpleConnection;
import org.apache.guacamole.protocol.GuacamoleClientInformation;
import org.apache.guacamole.protocol.GuacamoleConfiguration;

/**
 * The one connection a share link offers: it joins the shared session in guacd (never a new
 * connection to the VM), with the mode's parameters, while that session lasts.
 */
public class SharedDesktopConnection extends ProtocolOnlyConnection {

    private final ShareGrant grant;
    private final LiveSessions sessions;
    private final JoinLog joins;
    private final GuacamoleProxyConfiguration guacd;

    private final boolean recorded;

    /**
     * @param recorded whether the shared session is recorded: whoever joins is told so, as its
     *     owner was, by the name and the {@value DesktopConnection#RECORDED_ATTRIBUTE} attribute
     */
    public SharedDesktopConnection(ShareGrant grant, LiveSessions sessions, JoinLog joins,
            GuacamoleProxyConfiguration guacd, String parentIdentifier, boolean recorded) {
        super(grant.mode().profileIdentifier(grant.session().desktop().id()), grant.session().desktop().name()
                + " (" + grant.session().username() + ", "
                + grant.mode().profileName().toLowerCase(java.util.Locale.ROOT) + ")"
                + (recorded ? " (session recorded)" : ""),
                parentIdentifier, grant.session().desktop().protocol());
        this.recorded = recorded;
        this.grant = grant;
        this.sessions = sessions;
        this.joins = joins;
        this.guacd = guacd;
    }

    @Override
    public GuacamoleTunnel connect(GuacamoleClientInformation info, Map<String, String> tokens)
            throws GuacamoleException {
        LiveSession session = grant.session();
        if (!sessions.isLive(session.tunnelId())) {
            throw new GuacamoleResourceNotFoundException("The shared desktop session has ended");
        }
        GuacamoleConfiguration join = new GuacamoleConfiguration();
        join.setConnectionID(session.guacdConnectionId());
        grant.mode().joinParameters().forEach(join::setParameter);
        GuacamoleTunnel tunnel = new SimpleConnection(getName(), getIdentifier(), guacd, join, false).connect(info, tokens);
        joins.joined(session.desktop().id(), grant.mode() == ShareMode.VIEW ? SessionJoin.SHARE_VIEW : SessionJoin.SHARE_FULL,
                null, session.username(), tokens == null ? null : tokens.get("GUAC_CLIENT_ADDRESS"));
        return tunnel;
    }

    @Override
    public Map<String, String> getAttributes() {
        return recorded ? Map.of(DesktopConnection.RECORDED_ATTRIBUTE, "true") : Map.of();
    }

    @Override
    public Set<String> getSharingProfileIdentifiers() {
        return Set.of();
    }
}
