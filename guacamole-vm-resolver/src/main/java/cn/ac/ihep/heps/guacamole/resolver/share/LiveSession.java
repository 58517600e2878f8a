package cn.ac.ihep.heps.guacamole.resolver.share;

import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;
import java.time.Instant;
import org.apache.guacamole.net.GuacamoleTunnel;

/**
 * A desktop connection someone has open through this Guacamole node: the tunnel, and the id
 * guacd gave the connection, which others join to share it.
 *
 * @param tunnelId the tunnel's UUID, which the web application uses to find the session
 * @param username who opened it (the owner of this session, whatever the desktop's tags say)
 * @param guacdConnectionId guacd's {@code $…} id of the connection
 */
public record LiveSession(String tunnelId, String username, Desktop desktop, String guacdConnectionId,
        GuacamoleTunnel tunnel, Instant startedAt, String remoteHost) {
}
