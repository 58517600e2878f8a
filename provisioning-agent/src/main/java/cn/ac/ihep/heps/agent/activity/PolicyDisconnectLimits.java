package cn.ac.ihep.heps.agent.activity;

import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.idle.IdleSettings;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.common.activity.ActivityAnswer.DisconnectLimit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The disconnect limits the idle policy gives the agent's desktops: the experiment's own
 * {@code desktop.idle.disconnectAfter}, else its beamline's, else the site's
 * ({@code idle-disconnect-after}); the warning comes {@link IdleSettings#warningBefore} ahead.
 * A desktop the agent did not make gets no limit.
 */
public final class PolicyDisconnectLimits implements DisconnectLimits {

    private final Database database;
    private final DesktopRepository desktops;
    private final ExperimentRepository experiments;
    private final IdleSettings settings;

    public PolicyDisconnectLimits(Database database, DesktopRepository desktops, ExperimentRepository experiments,
            IdleSettings settings) {
        this.database = database;
        this.desktops = desktops;
        this.experiments = experiments;
        this.settings = settings;
    }

    @Override
    public List<DisconnectLimit> of(Collection<String> serverIds) {
        if (serverIds.isEmpty()) {
            return List.of();
        }
        return database.inTransaction(c -> {
            List<DisconnectLimit> limits = new ArrayList<>();
            Map<String, Optional<Experiment>> byProposal = new HashMap<>();
            for (String serverId : serverIds) {
                Optional<Desktop> desktop = desktops.findByServerId(c, serverId);
                if (desktop.isEmpty()) {
                    continue;
                }
                Optional<Experiment> experiment = byProposal.get(desktop.get().proposalId());
                if (experiment == null) {
                    experiment = experiments.find(c, desktop.get().proposalId());
                    byProposal.put(desktop.get().proposalId(), experiment);
                }
                experiment.flatMap(e -> e.idlePolicy(settings).disconnectAfter()).ifPresent(after -> limits.add(
                        new DisconnectLimit(serverId, after.toSeconds(), IdleSettings.warningBefore(after).toSeconds())));
            }
            return limits;
        });
    }
}
