package cn.ac.ihep.heps.e2e;

import cn.ac.ihep.heps.agent.images.catalog.CurrentImageRule;
import cn.ac.ihep.heps.agent.token.PortalTokenIssuer;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import cn.ac.ihep.heps.testsupport.demo.AgentApiClient;
import cn.ac.ihep.heps.testsupport.demo.AgentApiClient.AgentDesktop;
import cn.ac.ihep.heps.testsupport.demo.AgentApiClient.ExperimentRequest;
import cn.ac.ihep.heps.testsupport.demo.DemoStack;
import cn.ac.ihep.heps.testsupport.guacamole.web.ApiResult;
import cn.ac.ihep.heps.testsupport.guacamole.web.AuthenticatedSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.GuacamoleStack;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import cn.ac.ihep.heps.testsupport.time.Eventually;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.opentest4j.TestAbortedException;

/**
 * What every end-to-end test uses: the running Guacamole stack and demo (the tests skip, with
 * one line, when either is missing), and the tests' own data, made once per run through the
 * agent's API and removed when the run ends:
 * <ul>
 * <li>experiment {@code E2E-<run>-L} at a beamline whose image is Linux, members {@code linux}
 *     and {@code second}, each with a VNC desktop;</li>
 * <li>experiment {@code E2E-<run>-W} at a beamline whose image is Windows (when the bed has
 *     one), member {@code windows} with an RDP desktop;</li>
 * <li>{@code withoutDesktop}, a user in no experiment;</li>
 * <li>{@code colleague}, a user in no experiment, a named user of the Windows desktop (one who may
 *     open it without owning it).</li>
 * </ul>
 * Desktops are ready when the agent reports them RUNNING with an address and their port answers.
 * A stack that is there but fails to make the data fails the tests (once, for every class).
 */
final class E2eEnvironment implements ExtensionContext.Store.CloseableResource {

    private static final Duration DESKTOPS_READY = Duration.ofMinutes(8);
    private static final Duration PORT_READY = Duration.ofMinutes(3);
    private static final Duration TOKEN_LIFETIME = Duration.ofSeconds(90);

    final GuacamoleStack guacamole;
    final DemoStack demo;
    final CloudProvider cloud;
    final String run;
    final DesktopUser linux;
    final DesktopUser second;
    final Optional<DesktopUser> windows;
    final String withoutDesktop;
    final String colleague;
    private final PortalTokenIssuer issuer;
    private final List<ExperimentRequest> experiments;

    private E2eEnvironment(GuacamoleStack guacamole, DemoStack demo, CloudProvider cloud, String run, DesktopUser linux,
            DesktopUser second, Optional<DesktopUser> windows, String withoutDesktop, String colleague,
            PortalTokenIssuer issuer, List<ExperimentRequest> experiments) {
        this.guacamole = guacamole;
        this.demo = demo;
        this.cloud = cloud;
        this.run = run;
        this.linux = linux;
        this.second = second;
        this.windows = windows;
        this.withoutDesktop = withoutDesktop;
        this.colleague = colleague;
        this.issuer = issuer;
        this.experiments = experiments;
    }

    /** A portal token for the user (CONTRACTS §1a), with these experiment groups. */
    String portalToken(String username, String... groups) {
        return issuer.issue(username, demo.tokenIssuer(), demo.tokenAudience(), TOKEN_LIFETIME, List.of(groups)).token();
    }

    /** Where tests write screenshots: target/e2e. */
    static Path output() {
        Path dir = Path.of(System.getProperty("heps.e2e.output", "target/e2e"));
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + dir, e);
        }
    }

    /** Removes the tests' members (the agent deletes their desktops at its next pass). */
    @Override
    public void close() {
        AgentApiClient agent = demo.agent();
        for (ExperimentRequest experiment : experiments) {
            for (String member : experiment.members()) {
                try {
                    agent.removeMember(experiment.proposalId(), member);
                } catch (RuntimeException e) {
                    System.err.println("e2e: could not remove " + member + " from " + experiment.proposalId() + ": "
                            + e.getMessage());
                }
            }
        }
    }

    /** Makes the environment once per run; each test class gets it as a constructor or method parameter. */
    static final class Extension implements BeforeEachCallback, ParameterResolver {
        private static final AtomicBoolean SKIP_SAID = new AtomicBoolean();
        private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(E2eEnvironment.class);

        @Override
        public void beforeEach(ExtensionContext context) {
            // Skips (the stack or the demo is missing) happen here, so that each test counts as
            // skipped; the reason is in each test's report, and said once on the console.
            try {
                GuacamoleStack.find();
                DemoStack.find();
            } catch (TestAbortedException e) {
                if (SKIP_SAID.compareAndSet(false, true)) {
                    System.out.println("End-to-end tests skipped: " + e.getMessage().replaceFirst("^Assumption failed: ", ""));
                }
                throw e;
            }
            Outcome outcome = context.getRoot().getStore(NAMESPACE)
                    .getOrComputeIfAbsent(Outcome.class, key -> Outcome.of(E2eEnvironment::create), Outcome.class);
            outcome.environment();
        }

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == E2eEnvironment.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return context.getRoot().getStore(NAMESPACE).get(Outcome.class, Outcome.class).environment();
        }
    }

    /** The environment, or why it could not be made (reported to every class that needs it). */
    private record Outcome(E2eEnvironment made, RuntimeException failure, List<ExperimentRequest> applied, DemoStack demo)
            implements ExtensionContext.Store.CloseableResource {

        static Outcome of(Maker maker) {
            List<ExperimentRequest> applied = new ArrayList<>();
            DemoStack demo = DemoStack.require();
            try {
                return new Outcome(maker.make(applied), null, applied, demo);
            } catch (RuntimeException e) {
                return new Outcome(null, e, applied, demo);
            }
        }

        E2eEnvironment environment() {
            if (failure != null) {
                throw new IllegalStateException("the end-to-end data could not be made: " + failure.getMessage(), failure);
            }
            return made;
        }

        @Override
        public void close() {
            if (made != null) {
                made.close();
            } else {
                new E2eEnvironment(null, demo, null, null, null, null, Optional.empty(), null, null, null, applied).close();
            }
        }
    }

    private interface Maker {
        E2eEnvironment make(List<ExperimentRequest> applied);
    }

    private static E2eEnvironment create(List<ExperimentRequest> applied) {
        GuacamoleStack guacamole = GuacamoleStack.require();
        DemoStack demo = DemoStack.require();
        CloudProvider cloud = OpenStackTestBed.find().adminProvider();
        AgentApiClient agent = demo.agent();

        String run = Long.toString(System.currentTimeMillis() / 1000 % 1_000_000_000L, 36)
                + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36), 36);
        String prefix = "e2e" + run;
        Instant starts = Instant.now().minus(5, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
        Instant ends = starts.plus(3, ChronoUnit.HOURS);

        String linuxBeamline = beamlineFor(cloud, demo.beamlines(), false).orElseThrow(() -> new IllegalStateException(
                "no beamline of the demo agent (" + demo.beamlines() + ") has a current Linux image"));
        Optional<String> windowsBeamline = beamlineFor(cloud, demo.beamlines(), true);

        ExperimentRequest linuxExperiment = new ExperimentRequest("E2E-" + run.toUpperCase(Locale.ROOT) + "-L", linuxBeamline,
                null, starts, ends, List.of(prefix + "l", prefix + "s"), "linux", 0, OpenStackTestBed.CPU_FLAVOR, null);
        agent.putExperiment(linuxExperiment);
        applied.add(linuxExperiment);
        Optional<ExperimentRequest> windowsExperiment = windowsBeamline.map(beamline -> new ExperimentRequest(
                "E2E-" + run.toUpperCase(Locale.ROOT) + "-W", beamline, null, starts, ends, List.of(prefix + "w"), "windows", 0,
                OpenStackTestBed.CPU_FLAVOR, null));
        windowsExperiment.ifPresent(experiment -> {
            agent.putExperiment(experiment);
            applied.add(experiment);
        });

        List<AgentDesktop> linuxDesktops = awaitRunning(agent, linuxExperiment);
        Optional<List<AgentDesktop>> windowsDesktops = windowsExperiment.map(experiment -> awaitRunning(agent, experiment));

        DesktopUser linux = user(linuxDesktops, prefix + "l", "vnc");
        DesktopUser second = user(linuxDesktops, prefix + "s", "vnc");
        Optional<DesktopUser> windows = windowsDesktops.map(desktops -> user(desktops, prefix + "w", "rdp"));
        awaitPort(linux);
        awaitPort(second);
        windows.ifPresent(E2eEnvironment::awaitPort);
        windows.ifPresent(owner -> {
            agent.addNamedUser(owner.proposalId(), owner.username(), prefix + "c");
            awaitTag(cloud, owner.serverId(), "heps-user:" + prefix + "c");
            if (demo.credentialToken().isPresent()) {
                awaitSignInReady(agent, owner);
            }
        });

        PortalTokenIssuer.LoadedKey key = PortalTokenIssuer.load(demo.portalKey());
        PortalTokenIssuer issuer = new PortalTokenIssuer(key.key(), key.keyId() != null ? key.keyId() : demo.portalKeyId(),
                Clock.systemUTC());
        E2eEnvironment env = new E2eEnvironment(guacamole, demo, cloud, run, linux, second, windows, prefix + "n",
                prefix + "c", issuer, List.copyOf(applied));
        // The colleague's tag reaches the resolver's index at its next refresh (15 s), not at once.
        windows.ifPresent(owner -> env.awaitOffered(env.colleague, owner.serverId()));
        return env;
    }

    /** Until Nova reports the server in {@code wanted}, asking every 2 s. */
    void awaitServerState(String serverId, ServerState wanted, Duration timeout) {
        Eventually.await("server " + serverId + " to be " + wanted, timeout, Duration.ofSeconds(2),
                () -> cloud.findServer(serverId).map(CloudServer::state), state -> state.equals(Optional.of(wanted)));
    }

    /** Until Guacamole offers the user that desktop, signing in with a fresh portal token each time. */
    void awaitOffered(String username, String serverId) {
        Eventually.await("Guacamole offering " + serverId + " to " + username, Duration.ofSeconds(60),
                Duration.ofSeconds(2), () -> {
                    ApiResult<AuthenticatedSession> login = guacamole.web().loginWithPortalToken(portalToken(username));
                    if (!(login instanceof ApiResult.Ok<AuthenticatedSession> ok)) {
                        return login.toString();
                    }
                    try {
                        return guacamole.web().connections(ok.value().authToken(), DesktopScreens.RESOLVER).orThrow()
                                .keySet().toString();
                    } finally {
                        guacamole.web().logout(ok.value().authToken());
                    }
                }, offered -> offered.contains(serverId));
    }

    /** The first beamline whose current image is (or is not) a Windows image. */
    static Optional<String> beamlineFor(CloudProvider cloud, List<String> beamlines, boolean windows) {
        for (String beamline : beamlines) {
            Optional<CloudImage> image = CurrentImageRule.current(beamline,
                    cloud.listImages(Map.of(ImageProperties.BEAMLINE, beamline)));
            boolean isWindows = image.flatMap(i -> i.property(ImageProperties.OS_TYPE)).map("windows"::equals).orElse(false);
            if (image.isPresent() && isWindows == windows) {
                return Optional.of(beamline);
            }
        }
        return Optional.empty();
    }

    static List<AgentDesktop> awaitRunning(AgentApiClient agent, ExperimentRequest experiment) {
        return agent.awaitDesktops(experiment.proposalId(), desktops -> desktops.size() == experiment.members().size()
                && desktops.stream().allMatch(AgentDesktop::isRunningWithAddress), DESKTOPS_READY);
    }

    private static DesktopUser user(List<AgentDesktop> desktops, String username, String protocol) {
        AgentDesktop desktop = desktops.stream().filter(d -> d.username().equals(username)).findFirst()
                .orElseThrow(() -> new IllegalStateException("the agent lists no desktop of " + username + ": " + desktops));
        return new DesktopUser(username, desktop.proposalId(), desktop.serverId(), desktop.address(), protocol);
    }

    /**
     * What the owner of a desktop sees once it opens: with RDP single sign-on (a demo with the
     * Samba AD test bed) the owner's Windows session, in the colour of the uid and gid the agent gave
     * them; otherwise the desktop's identity colour (the Linux screen, or xrdp's login screen).
     */
    java.awt.Color ownersScreen(DesktopUser user) {
        if (!"rdp".equals(user.protocol()) || demo.credentialToken().isEmpty()) {
            return user.identityColour();
        }
        com.fasterxml.jackson.databind.JsonNode account = demo.agent().account(user.username()).orElseThrow();
        return cn.ac.ihep.heps.testsupport.openstack.DesktopIdentity.sessionColourOf(user.serverId(),
                account.get("uidNumber").asInt(), account.get("gidNumber").asInt());
    }

    /**
     * With single sign-on, the Windows desktop is ready for its owner once the agent made the
     * owner's AD account and the guest joined the domain and signs users in (xrdp-sesman runs).
     */
    private static void awaitSignInReady(AgentApiClient agent, DesktopUser owner) {
        Path guest = OpenStackTestBed.find().desktopState(owner.serverId());
        long deadline = System.nanoTime() + PORT_READY.toNanos();
        while (!(agent.account(owner.username()).map(a -> "ok".equals(a.path("state").asText())).orElse(false)
                && Files.isRegularFile(guest.resolve("root/etc/heps/machine-account.json"))
                && Files.isRegularFile(guest.resolve("run/sesman.pid")))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the Windows desktop of " + owner.username() + " is not ready for single "
                        + "sign-on after " + PORT_READY + ": its AD account (GET /v1/accounts), or the guest's domain "
                        + "join (" + guest + ", log/join.log, log/sesman.log)");
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", interrupted);
            }
        }
    }

    /** Waits until the agent's reconcile pass has tagged the server (a named user's access). */
    private static void awaitTag(CloudProvider cloud, String serverId, String tag) {
        long deadline = System.nanoTime() + PORT_READY.toNanos();
        while (!cloud.findServer(serverId).map(server -> server.tags().contains(tag)).orElse(false)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the agent did not tag " + serverId + " " + tag + " within " + PORT_READY);
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", interrupted);
            }
        }
    }

    /** Waits until the desktop's VNC or RDP port accepts a connection (the guest enrolled and started it). */
    static void awaitPort(DesktopUser user) {
        long deadline = System.nanoTime() + PORT_READY.toNanos();
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(user.address(), user.port()), 1000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the desktop of " + user.username() + " at " + user.address() + ":"
                            + user.port() + " does not answer after " + PORT_READY + " (" + e.getMessage()
                            + "); see the bed's /var/lib/heps-openstack/log/heps-desktops.log");
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", interrupted);
                }
            }
        }
    }
}
