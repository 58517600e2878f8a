package cn.ac.ihep.heps.guacamole.resolver.activity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.guacamole.resolver.InMemoryCloud;
import cn.ac.ihep.heps.guacamole.resolver.PropertiesEnvironment;
import cn.ac.ihep.heps.guacamole.resolver.ResolverFixture;
import cn.ac.ihep.heps.guacamole.resolver.TestUser;
import cn.ac.ihep.heps.testsupport.guacd.GuacdFake;
import cn.ac.ihep.heps.testsupport.time.MutableClock;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.guacamole.net.GuacamoleTunnel;
import org.apache.guacamole.net.auth.Connection;
import org.apache.guacamole.net.auth.UserContext;
import org.apache.guacamole.protocol.GuacamoleClientInformation;
import org.apache.guacamole.protocol.GuacamoleInstruction;
import org.apache.guacamole.protocol.GuacamoleStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Connections through the resolver to a guacd fake, reported to an agent stand-in on loopback:
 * what the agent hears, that a stalled agent slows no login and no session, and idle sessions
 * warned and closed the Guacamole way.
 */
class DesktopActivityTest {

    private static final String DESKTOP = "7c1d-linux";
    private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

    private GuacdFake guacd;
    private ServerSocket desktopPort;
    private AgentStandIn agent;
    private InMemoryCloud cloud;
    private PropertiesEnvironment environment;
    private MutableClock clock;

    @BeforeEach
    void setUp() throws Exception {
        guacd = GuacdFake.start();
        desktopPort = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        agent = new AgentStandIn();
        cloud = new InMemoryCloud();
        cloud.put(InMemoryCloud.server(DESKTOP, "b1-linux", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:alice", "heps-group:exp-1"), Map.of("heps.protocol", "vnc")));
        clock = new MutableClock(T0);
        environment = new PropertiesEnvironment()
                .set("guacd-hostname", guacd.hostname())
                .set("guacd-port", Integer.toString(guacd.port()))
                .set("heps-vnc-secret", "a-site-secret-for-vnc-passwords")
                .set("heps-vnc-port", Integer.toString(desktopPort.getLocalPort()))
                .set("heps-agent-url", agent.url())
                .set("heps-agent-token", "the-activity-token")
                .set("heps-agent-report-interval", "3600")
                .set("heps-agent-timeout", "2")
                .set("heps-node-name", "guac-test");
    }

    @AfterEach
    void tearDown() throws Exception {
        agent.close();
        guacd.close();
        desktopPort.close();
    }

    private static GuacamoleClientInformation browser() {
        GuacamoleClientInformation info = new GuacamoleClientInformation();
        info.getImageMimetypes().add("image/png");
        return info;
    }

    private static GuacamoleTunnel connect(ResolverFixture fixture, String username) throws Exception {
        UserContext context = fixture.provider().getUserContext(new TestUser(username, Set.of("exp-1")));
        Connection connection = context.getConnectionDirectory().get(DESKTOP);
        return connection.connect(browser(), Map.of());
    }

    private static void send(GuacamoleTunnel tunnel, GuacamoleInstruction instruction) throws Exception {
        try {
            tunnel.acquireWriter().writeInstruction(instruction);
        } finally {
            tunnel.releaseWriter();
        }
    }

    private static GuacamoleInstruction nextNotice(GuacamoleTunnel tunnel) throws Exception {
        try {
            return tunnel.acquireReader().readInstruction();
        } finally {
            tunnel.releaseReader();
        }
    }

    @Test
    void theAgentHearsOfConnectionsAtOnceAndOfInputAtTheNextReport() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment, clock)) {
            agent.next(Duration.ofSeconds(5)); // The report every node sends when it starts.
            GuacamoleTunnel tunnel = connect(fixture, "alice");
            guacd.awaitHandshake(Duration.ofSeconds(5));

            AgentStandIn.Received opened = agent.nextWithEvents(Duration.ofSeconds(3));
            assertEquals("Bearer the-activity-token", opened.authorization());
            JsonNode report = opened.report();
            assertEquals("guac-test", report.get("node").asText());
            assertTrue(report.get("complete").asBoolean());
            assertEquals(DESKTOP, report.at("/events/0/serverId").asText());
            assertEquals("opened", report.at("/events/0/type").asText());
            assertEquals(T0.toString(), report.at("/events/0/at").asText());
            assertEquals(1, report.at("/desktops/0/connections").asInt());
            assertTrue(report.at("/desktops/0/lastInputAt").isNull());

            clock.advance(Duration.ofMinutes(3));
            send(tunnel, new GuacamoleInstruction("mouse", "10", "20", "0"));
            clock.advance(Duration.ofMinutes(1));
            send(tunnel, new GuacamoleInstruction("sync", "12345"));
            assertTrue(fixture.service(ActivityReporter.class).reportNow());
            JsonNode later = agent.next(Duration.ofSeconds(3)).report();
            assertEquals(T0.plus(Duration.ofMinutes(3)).toString(), later.at("/desktops/0/lastInputAt").asText());
            assertTrue(later.get("sequence").asLong() > report.get("sequence").asLong());

            tunnel.close();
            // A close waits for the next report (only an opening hurries one).
            assertTrue(fixture.service(ActivityReporter.class).reportNow());
            JsonNode closed = agent.nextWithEvents(Duration.ofSeconds(3)).report();
            assertEquals("closed", closed.at("/events/0/type").asText());
            assertEquals(T0.plus(Duration.ofMinutes(3)).toString(), closed.at("/events/0/lastInputAt").asText());
            assertEquals(0, closed.get("desktops").size());
        }
    }

    @Test
    void aReportWhoseConnectionTheAgentClosesIsSentOnceMoreOnAFreshOne() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment, clock)) {
            long first = agent.next(Duration.ofSeconds(5)).report().get("sequence").asLong();
            // The agent closes keep-alive connections idle for its api-idle-timeout, 30 s like the
            // report interval: the next report can go out on a connection as it closes.
            agent.dropNext();
            assertTrue(fixture.service(ActivityReporter.class).reportNow());
            assertEquals(1, agent.dropped());
            assertEquals(first + 1, agent.next(Duration.ofSeconds(3)).report().get("sequence").asLong());
        }
    }

    @Test
    void aStalledAgentSlowsNoLoginAndNoSessionAndHearsEverythingOnceItAnswers() throws Exception {
        environment.set("heps-agent-queue", "4");
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment, clock)) {
            agent.next(Duration.ofSeconds(5));
            agent.stall();
            List<GuacamoleTunnel> tunnels = new ArrayList<>();
            long slowest = 0;
            for (int i = 0; i < 6; i++) {
                long started = System.nanoTime();
                GuacamoleTunnel tunnel = connect(fixture, "alice");
                send(tunnel, new GuacamoleInstruction("key", "65", "1"));
                slowest = Math.max(slowest, System.nanoTime() - started);
                tunnels.add(tunnel);
                guacd.awaitHandshake(Duration.ofSeconds(5));
            }
            // The agent's timeout is 2 s: a login or a session that waited on it would take that long.
            // The bounds leave room for a loaded machine and stay below it.
            assertTrue(slowest < Duration.ofMillis(1500).toNanos(), "slowest login and connect: " + slowest / 1_000_000 + " ms");
            long closeStarted = System.nanoTime();
            tunnels.get(0).close();
            assertTrue(System.nanoTime() - closeStarted < Duration.ofMillis(1000).toNanos());

            // Reports time out after heps-agent-timeout and keep their events, four at most.
            long reportStarted = System.nanoTime();
            assertFalse(fixture.service(ActivityReporter.class).reportNow());
            assertTrue(System.nanoTime() - reportStarted < Duration.ofSeconds(4).toNanos());
            SessionRegistry registry = fixture.service(SessionRegistry.class);
            assertEquals(4, registry.queued());
            assertEquals(3, registry.dropped());

            agent.resume();
            agent.drain();
            assertTrue(fixture.service(ActivityReporter.class).reportNow());
            JsonNode report = agent.nextWithEvents(Duration.ofSeconds(5)).report();
            while (report.get("events").size() < 4) {
                report = agent.nextWithEvents(Duration.ofSeconds(5)).report();
            }
            assertEquals(3, report.get("dropped").asLong());
            assertEquals("closed", report.at("/events/3/type").asText());
            // The open connections are never lost with the events: they are listed in full each time.
            assertEquals(5, report.at("/desktops/0/connections").asInt());
            for (GuacamoleTunnel tunnel : tunnels) {
                tunnel.close();
            }
        }
    }

    @Test
    void anIdleSessionIsWarnedThenClosedWithGuacamolesInactiveStatus() throws Exception {
        agent.answer("{\"limits\": [{\"serverId\": \"" + DESKTOP + "\", \"afterSeconds\": 3600, \"warnSeconds\": 300}]}");
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment, clock)) {
            agent.next(Duration.ofSeconds(5));
            GuacamoleTunnel tunnel = connect(fixture, "alice");
            guacd.awaitHandshake(Duration.ofSeconds(5));
            // The agent's answer carries the limit.
            assertTrue(fixture.service(ActivityReporter.class).reportNow());
            IdleDisconnector idle = fixture.service(IdleDisconnector.class);
            SessionRegistry registry = fixture.service(SessionRegistry.class);
            assertTrue(registry.limitFor(DESKTOP).isPresent());
            agent.drain();

            clock.advance(Duration.ofMinutes(54));
            idle.check();
            assertTrue(tunnel.isOpen());
            clock.advance(Duration.ofMinutes(1));
            idle.check();
            GuacamoleInstruction warning = nextNotice(tunnel);
            assertEquals("msg", warning.getOpcode());
            assertEquals(List.of(Integer.toString(ObservedTunnel.IDLE_WARNING), "300",
                    Long.toString(T0.plus(Duration.ofHours(1)).toEpochMilli())), warning.getArgs());
            // The portal reads the same through the agent.
            assertTrue(fixture.service(ActivityReporter.class).reportNow());
            assertEquals(T0.plus(Duration.ofHours(1)).toString(),
                    agent.next(Duration.ofSeconds(3)).report().at("/desktops/0/disconnectAt").asText());

            // Input withdraws the warning and starts the clock again.
            send(tunnel, new GuacamoleInstruction("mouse", "1", "1", "0"));
            assertEquals(List.of(Integer.toString(ObservedTunnel.IDLE_WARNING_WITHDRAWN)), nextNotice(tunnel).getArgs());
            clock.advance(Duration.ofMinutes(59));
            idle.check();
            assertEquals(Integer.toString(ObservedTunnel.IDLE_WARNING), nextNotice(tunnel).getArgs().get(0));
            clock.advance(Duration.ofMinutes(1));
            idle.check();
            GuacamoleInstruction error = nextNotice(tunnel);
            assertEquals("error", error.getOpcode());
            assertEquals(Integer.toString(GuacamoleStatus.SESSION_TIMEOUT.getGuacamoleStatusCode()), error.getArgs().get(1));
            assertTrue(error.getArgs().get(0).contains("No input for 60 minutes"), error.getArgs().get(0));
            // Then the end of the stream: the web application closes the tunnel.
            assertNull(nextNotice(tunnel));
            tunnel.close();
            assertTrue(registry.openTunnels().isEmpty());
        }
    }

    @Test
    void withoutAnAgentUrlNothingIsObserved() throws Exception {
        environment.set("heps-agent-url", "");
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment, clock)) {
            GuacamoleTunnel tunnel = connect(fixture, "alice");
            guacd.awaitHandshake(Duration.ofSeconds(5));
            assertFalse(tunnel instanceof ObservedTunnel);
            assertTrue(fixture.service(SessionRegistry.class).openTunnels().isEmpty());
            tunnel.close();
        }
    }
}
