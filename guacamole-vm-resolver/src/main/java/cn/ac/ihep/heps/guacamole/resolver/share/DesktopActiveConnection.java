package cn.ac.ihep.heps.guacamole.resolver.share;

import java.util.Date;
import java.util.List;
import java.util.Map;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleResourceNotFoundException;
import org.apache.guacamole.form.Field;
import org.apache.guacamole.net.auth.AbstractActiveConnection;
import org.apache.guacamole.net.auth.credentials.UserCredentials;

/**
 * A live desktop session as Guacamole's web application sees it: the client's "Share" menu
 * finds it by its tunnel and asks it for the credentials of a share link.
 */
public class DesktopActiveConnection extends AbstractActiveConnection {

    /** The request parameter a share link carries (Guacamole's own {@code token} is taken). */
    public static final String SHARE_PARAMETER = "heps_share";

    private final LiveSession session;
    private final LiveSessions sessions;

    public DesktopActiveConnection(LiveSession session, LiveSessions sessions) {
        this.session = session;
        this.sessions = sessions;
        setIdentifier(session.tunnelId());
        setConnectionIdentifier(session.desktop().id());
        setStartDate(Date.from(session.startedAt()));
        setRemoteHost(session.remoteHost());
        setUsername(session.username());
        setTunnel(session.tunnel());
    }

    @Override
    public UserCredentials getSharingCredentials(String sharingProfileIdentifier) throws GuacamoleException {
        ShareMode mode = ShareMode.forProfile(session.desktop().id(), sharingProfileIdentifier).orElseThrow(() ->
                new GuacamoleResourceNotFoundException("This desktop has no sharing profile \""
                        + sharingProfileIdentifier + "\""));
        String key = sessions.issueKey(session, mode);
        return new UserCredentials(List.of(new Field(SHARE_PARAMETER, Field.Type.QUERY_PARAMETER)),
                Map.of(SHARE_PARAMETER, key));
    }
}
