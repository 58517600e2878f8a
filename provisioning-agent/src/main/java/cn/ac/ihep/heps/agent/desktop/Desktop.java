package cn.ac.ihep.heps.agent.desktop;

import cn.ac.ihep.heps.agent.idle.DesktopActivity;
import java.time.Instant;

/**
 * One member's desktop for one experiment, as the agent last recorded it; {@code activity} is
 * who uses it, as the Guacamole nodes reported it.
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
        DesktopActivity activity) {

    public Desktop {
        activity = activity == null ? DesktopActivity.NONE : activity;
    }
}
