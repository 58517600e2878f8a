package cn.ac.ihep.heps.agent.reconcile;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The settings a reconcile pass uses, taken from the agent's configuration.
 * {@code maxCreatesPerPass}: VMs one pass may ask Nova for; the rest wait for the next pass.
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
        int maxCreatesPerPass) {

    public static final int DEFAULT_MAX_CREATES_PER_PASS = 25;
}
