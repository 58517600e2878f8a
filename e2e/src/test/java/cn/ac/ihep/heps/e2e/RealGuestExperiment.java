package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.images.catalog.CurrentImageRule;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import cn.ac.ihep.heps.testsupport.demo.AgentApiClient;
import cn.ac.ihep.heps.testsupport.demo.AgentApiClient.AgentDesktop;
import cn.ac.ihep.heps.testsupport.demo.AgentApiClient.ExperimentRequest;
import cn.ac.ihep.heps.testsupport.demo.AgentApiClient.IdleLimits;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * An experiment of the test's own, with one member, at a demo beamline whose desktops are real
 * guests on the test bed's QEMU host (QEMU flavor). Closing it keeps the guest's console log
 * beside the test's screenshots (what the guest did is otherwise lost with it), then removes the
 * member, so the agent deletes the guest.
 */
final class RealGuestExperiment implements AutoCloseable {
    private static final int CONSOLE_LINES = 3000;

    private final AgentApiClient agent;
    private final CloudProvider cloud;
    private final ExperimentRequest experiment;
    final String member;
    final Instant applied;
    private volatile String serverId;

    private RealGuestExperiment(AgentApiClient agent, CloudProvider cloud, ExperimentRequest experiment, String member,
            Instant applied) {
        this.agent = agent;
        this.cloud = cloud;
        this.experiment = experiment;
        this.member = member;
        this.applied = applied;
    }

    /** Skips the calling test, saying why, unless the demo has a current image for the beamline. */
    static void assumeImage(E2eEnvironment env, String beamline, String whatBuildsIt) {
        Assumptions.assumeTrue(env.demo.beamlines().contains(beamline)
                && CurrentImageRule.current(beamline, env.cloud.listImages(Map.of(ImageProperties.BEAMLINE, beamline)))
                        .isPresent(),
                () -> "the demo has no image for " + beamline + " (" + whatBuildsIt + ")");
    }

    /** Applies the experiment {@code E2E-<run>-<suffix>} with the member {@code e2e<run><suffix>}. */
    static RealGuestExperiment apply(E2eEnvironment env, String beamline, String suffix) throws IOException, InterruptedException {
        AgentApiClient agent = env.demo.agent();
        String member = "e2e" + env.run + suffix.toLowerCase(Locale.ROOT);
        Instant starts = Instant.now().minus(5, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
        ExperimentRequest experiment = new ExperimentRequest("E2E-" + env.run.toUpperCase(Locale.ROOT) + "-" + suffix,
                beamline, null, starts, starts.plus(3, ChronoUnit.HOURS), List.of(member), "linux", 0,
                OpenStackTestBed.QEMU_FLAVOR, null);
        Instant applied = Instant.now();
        agent.putExperiment(experiment);
        return new RealGuestExperiment(agent, env.cloud, experiment, member, applied);
    }

    /** Waits until the member's desktop runs on the QEMU host and its VNC port answers. */
    DesktopUser awaitDesktop(E2eEnvironment env, Duration running) throws IOException, InterruptedException {
        AgentDesktop desktop = agent.awaitDesktops(experiment.proposalId(), desktops -> desktops.size() == 1
                && desktops.get(0).isRunningWithAddress(), running).get(0);
        serverId = desktop.serverId();
        CloudServer server = env.cloud.findServer(desktop.serverId()).orElseThrow();
        assertTrue(OpenStackTestBed.QEMU_HOST.equals(server.host()), () -> "a real guest, not " + server.host());
        DesktopUser user = new DesktopUser(member, desktop.proposalId(), desktop.serverId(), desktop.address(), "vnc");
        E2eEnvironment.awaitPort(user);
        return user;
    }

    /** Gives the experiment idle limits of its own, which the agent applies from its next pass. */
    void idleLimits(IdleLimits limits) {
        agent.putExperiment(experiment.withIdle(limits));
    }

    /** Waits until the agent lists the member's desktop in {@code state}. */
    AgentDesktop awaitState(String state, Duration timeout) {
        return agent.awaitDesktops(experiment.proposalId(), desktops -> desktops.size() == 1
                && state.equals(desktops.get(0).state()), timeout).get(0);
    }

    long secondsSinceApplied() {
        return Duration.between(applied, Instant.now()).toSeconds();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        keepConsole();
        agent.removeMember(experiment.proposalId(), member);
    }

    private void keepConsole() {
        String id = serverId;
        if (id == null) {
            return;
        }
        Path file = E2eEnvironment.output().resolve("console-" + id + ".log");
        try {
            Files.writeString(file, cloud.consoleOutput(id, CONSOLE_LINES));
        } catch (IOException | RuntimeException e) {
            System.err.println("could not keep the console of " + id + " in " + file + ": " + e);
        }
    }
}
