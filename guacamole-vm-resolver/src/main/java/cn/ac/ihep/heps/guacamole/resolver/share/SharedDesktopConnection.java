package cn.ac.ihep.heps.guacamole.resolver.share;

import java.util.Map;
import java.util.Set;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleResourceNotFoundException;
import org.apache.guacamole.net.GuacamoleTunnel;
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
    private final GuacamoleProxyConfiguration guacd;

    public SharedDesktopConnection(ShareGrant grant, LiveSessions sessions, GuacamoleProxyConfiguration guacd,
            String parentIdentifier) {
        super(grant.mode().profileIdentifier(grant.session().desktop().id()), grant.session().desktop().name()
                + " (" + grant.session().username() + ", "
                + grant.mode().profileName().toLowerCase(java.util.Locale.ROOT) + ")",
                parentIdentifier, grant.session().desktop().protocol());
        this.grant = grant;
        this.sessions = sessions;
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
        return new SimpleConnection(getName(), getIdentifier(), guacd, join, false).connect(info, tokens);
    }

    @Override
    public Set<String> getSharingProfileIdentifiers() {
        return Set.of();
    }
}
