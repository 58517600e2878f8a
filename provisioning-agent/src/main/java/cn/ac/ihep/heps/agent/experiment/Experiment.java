package cn.ac.ihep.heps.agent.experiment;

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
}
