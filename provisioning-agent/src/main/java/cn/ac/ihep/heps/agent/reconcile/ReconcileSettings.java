package cn.ac.ihep.heps.agent.reconcile;

import cn.ac.ihep.heps.agent.firewall.DesktopAccess;
import cn.ac.ihep.heps.agent.idle.IdleSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The settings a reconcile pass uses, taken from the agent's configuration.
 * {@code maxCreatesPerPass}: VMs one pass may ask Nova for; the rest wait for the next pass.
 *
 * @param desktopAccess the security group every desktop is in and the guacd networks it admits
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
        DesktopAccess desktopAccess,
        Optional<String> gpuResourceClass,
        String agentUrl,
        Optional<String> adDomain,
        Optional<String> adComputerOu,
        List<List<String>> storageMounts,
        Optional<Path> userDataTemplateDir,
        int maxCreatesPerPass,
        IdleSettings idle,
        Duration idleReportTimeout) {

    public static final int DEFAULT_MAX_CREATES_PER_PASS = 25;

    /** With the default idle limits. */
    public ReconcileSettings(String agentId, Duration startLeadTime, Duration retention, Duration notifyAhead,
            Duration claimDuration, String vmNetwork, DesktopAccess desktopAccess, Optional<String> gpuResourceClass,
            String agentUrl, Optional<String> adDomain, Optional<String> adComputerOu, List<List<String>> storageMounts,
            Optional<Path> userDataTemplateDir, int maxCreatesPerPass) {
        this(agentId, startLeadTime, retention, notifyAhead, claimDuration, vmNetwork, desktopAccess, gpuResourceClass,
                agentUrl, adDomain, adComputerOu, storageMounts, userDataTemplateDir, maxCreatesPerPass,
                IdleSettings.defaults(), Duration.ofMinutes(2));
    }

    /** With the default cap on creations per pass. */
    public ReconcileSettings(String agentId, Duration startLeadTime, Duration retention, Duration notifyAhead,
            Duration claimDuration, String vmNetwork, DesktopAccess desktopAccess, Optional<String> gpuResourceClass,
            String agentUrl, Optional<String> adDomain, Optional<String> adComputerOu, List<List<String>> storageMounts,
            Optional<Path> userDataTemplateDir, IdleSettings idle, Duration idleReportTimeout) {
        this(agentId, startLeadTime, retention, notifyAhead, claimDuration, vmNetwork, desktopAccess, gpuResourceClass,
                agentUrl, adDomain, adComputerOu, storageMounts, userDataTemplateDir, DEFAULT_MAX_CREATES_PER_PASS, idle,
                idleReportTimeout);
    }
}
