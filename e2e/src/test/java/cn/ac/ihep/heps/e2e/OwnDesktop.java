package cn.ac.ihep.heps.e2e;

import cn.ac.ihep.heps.testsupport.demo.AgentApiClient;
import cn.ac.ihep.heps.testsupport.demo.AgentApiClient.AgentDesktop;
import cn.ac.ihep.heps.testsupport.demo.AgentApiClient.ExperimentRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * A desktop a test makes for itself, in an experiment of its own (so its idle limits touch no
 * other test): one member at the first Linux beamline, ready when the agent reports it RUNNING
 * and its VNC port answers; closing removes the member, and the agent deletes the desktop at its
 * next pass.
 */
final class OwnDesktop implements AutoCloseable {

    private static final Duration READY = Duration.ofMinutes(5);

    final DesktopUser user;
    final ExperimentRequest experiment;
    private final AgentApiClient agent;

    private OwnDesktop(DesktopUser user, ExperimentRequest experiment, AgentApiClient agent) {
        this.user = user;
        this.experiment = experiment;
        this.agent = agent;
    }

    /**
     * @param tag a letter or two naming the test, in the experiment's id and the member's name
     */
    static OwnDesktop create(E2eEnvironment env, String tag, String flavor, int gpus, AgentApiClient.IdleLimits idle) {
        String beamline = E2eEnvironment.beamlineFor(env.cloud, env.demo.beamlines(), false).orElseThrow(() ->
                new IllegalStateException("no beamline of the demo agent (" + env.demo.beamlines()
                        + ") has a current Linux image"));
        String member = "e2e" + env.run + tag.toLowerCase(Locale.ROOT);
        String proposalId = "E2E-" + env.run.toUpperCase(Locale.ROOT) + "-" + tag.toUpperCase(Locale.ROOT);
        Instant starts = Instant.now().minus(5, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
        ExperimentRequest experiment = new ExperimentRequest(proposalId, beamline, null, starts,
                starts.plus(3, ChronoUnit.HOURS), List.of(member), "linux", gpus, flavor, null).withIdle(idle);
        AgentApiClient agent = env.demo.agent();
        agent.putExperiment(experiment);
        OwnDesktop made = null;
        try {
            List<AgentDesktop> desktops = agent.awaitDesktops(experiment.proposalId(), list -> list.size() == 1
                    && list.get(0).isRunningWithAddress(), READY);
            AgentDesktop desktop = desktops.get(0);
            made = new OwnDesktop(new DesktopUser(member, experiment.proposalId(), desktop.serverId(), desktop.address(), "vnc"),
                    experiment, agent);
            E2eEnvironment.awaitPort(made.user);
            return made;
        } catch (RuntimeException e) {
            agent.removeMember(experiment.proposalId(), member);
            throw e;
        }
    }

    /** The desktop as the agent lists it now. */
    AgentDesktop agentView() {
        return agent.desktops(experiment.proposalId()).stream().filter(d -> d.username().equals(user.username()))
                .findFirst().orElseThrow(() -> new AssertionError("the agent no longer lists " + user.username() + "'s desktop"));
    }

    @Override
    public void close() {
        try {
            agent.removeMember(experiment.proposalId(), user.username());
        } catch (RuntimeException e) {
            System.err.println("e2e: could not remove " + user.username() + " from " + experiment.proposalId() + ": "
                    + e.getMessage());
        }
    }
}
