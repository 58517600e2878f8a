package cn.ac.ihep.heps.agent.experiment;

import cn.ac.ihep.heps.agent.idle.IdlePolicy;
import cn.ac.ihep.heps.agent.idle.IdleSettings;
import java.time.Instant;
import java.util.List;

/**
 * An experiment as stored: a proposal at a beamline during a time window, its members,
 * and the desktop each member gets. {@code group} is the experiment group of the
 * {@code heps-group:} tag (CONTRACTS §2).
 */
public record Experiment(
        long id,
        String proposalId,
        String beamline,
        String group,
        Instant startsAt,
        Instant endsAt,
        DesktopSpec desktop,
        List<String> members,
        Instant updatedAt) {

    public Experiment {
        members = List.copyOf(members);
    }

    /** The idle policy of this experiment's desktops: its own limits, else its beamline's, else the site's. */
    public IdlePolicy idlePolicy(IdleSettings settings) {
        IdleOverride idle = desktop.idle();
        return settings.policyFor(beamline, desktop.gpus(), idle == null ? null : idle.disconnectLimit(),
                idle == null ? null : idle.shelveLimit());
    }
}
