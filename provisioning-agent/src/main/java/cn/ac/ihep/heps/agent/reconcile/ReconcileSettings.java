package cn.ac.ihep.heps.agent.reconcile;

import cn.ac.ihep.heps.agent.idle.IdleSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The settings a reconcile pass uses, taken from the agent's configuration.
 *
 * @param idle the idle limits per site, beamline and experiment
 * @param idleReportTimeout a Guacamole node silent for longer stops idle shelving
 */
public record ReconcileSettings(
        String agentId,
        Duration startLeadTime,
        Duration retention,
        Duration notifyAhead,
        Duration claimDuration,
        String vmNetwork,
        Optional<String> gpuResourceClass,
        String agentUrl,
        Optional<String> adDomain,
        Optional<String> adComputerOu,
        List<List<String>> storageMounts,
        Optional<Path> userDataTemplateDir,
        IdleSettings idle,
        Duration idleReportTimeout) {

    /** With the default idle limits. */
    public ReconcileSettings(String agentId, Duration startLeadTime, Duration retention, Duration notifyAhead,
            Duration claimDuration, String vmNetwork, Optional<String> gpuResourceClass, String agentUrl,
            Optional<String> adDomain, Optional<String> adComputerOu, List<List<String>> storageMounts,
            Optional<Path> userDataTemplateDir) {
        this(agentId, startLeadTime, retention, notifyAhead, claimDuration, vmNetwork, gpuResourceClass, agentUrl,
                adDomain, adComputerOu, storageMounts, userDataTemplateDir, IdleSettings.defaults(),
                Duration.ofMinutes(2));
    }
}
