package cn.ac.ihep.heps.agent.desktop;

import cn.ac.ihep.heps.agent.idle.DesktopActivity;
import java.time.Instant;
import java.util.List;

/**
 * One member's desktop for one experiment, as the agent last recorded it; {@code activity} is
 * who uses it, as the Guacamole nodes reported it; {@code users} are the named users who may open
 * it besides its owner ({@code heps-user:} tags), by name.
 */
public record Desktop(
        long id,
        long experimentId,
        String proposalId,
        String beamline,
        String username,
        String serverName,
        String serverId,
        DesktopState state,
        String cloudState,
        String reason,
        String host,
        String address,
        String imageId,
        String flavorId,
        int gpuCount,
        Instant updatedAt,
        DesktopActivity activity,
        List<String> users) {

    public Desktop {
        activity = activity == null ? DesktopActivity.NONE : activity;
        users = users == null ? List.of() : List.copyOf(users);
    }

    public Desktop(long id, long experimentId, String proposalId, String beamline, String username, String serverName,
            String serverId, DesktopState state, String cloudState, String reason, String host, String address,
            String imageId, String flavorId, int gpuCount, Instant updatedAt, DesktopActivity activity) {
        this(id, experimentId, proposalId, beamline, username, serverName, serverId, state, cloudState, reason, host,
                address, imageId, flavorId, gpuCount, updatedAt, activity, List.of());
    }

    /** Its {@code desktop/<proposal>/<owner>} name in the audit log. */
    public String auditSubject() {
        return "desktop/" + proposalId + "/" + username;
    }

    /** Its {@code <proposal>/<owner>} reference, which the CLI and the API take. */
    public String reference() {
        return proposalId + "/" + username;
    }
}
