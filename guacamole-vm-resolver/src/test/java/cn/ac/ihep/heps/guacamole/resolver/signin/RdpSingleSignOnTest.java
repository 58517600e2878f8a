package cn.ac.ihep.heps.guacamole.resolver.signin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.guacamole.resolver.InMemoryCloud;
import cn.ac.ihep.heps.guacamole.resolver.PropertiesEnvironment;
import cn.ac.ihep.heps.guacamole.resolver.ResolverFixture;
import cn.ac.ihep.heps.guacamole.resolver.TestUser;
import cn.ac.ihep.heps.testsupport.guacd.GuacdFake;
import cn.ac.ihep.heps.testsupport.guacd.GuacdHandshake;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.net.GuacamoleTunnel;
import org.apache.guacamole.net.auth.ActiveConnection;
import org.apache.guacamole.net.auth.AuthenticatedUser;
import org.apache.guacamole.net.auth.Connection;
import org.apache.guacamole.net.auth.Credentials;
import org.apache.guacamole.net.auth.UserContext;
import org.apache.guacamole.protocol.GuacamoleClientInformation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RDP single sign-on from the resolver's side: a connect goes through Guacamole's own handshake
 * code to a guacd fake, and the owner's sign-in comes from a stand-in of the agent's
 * {@code POST /v1/desktop-sign-in} over real HTTP on loopback. Only the desktop's owner is ever
 * signed in; everyone else gets Guacamole's prompt, and a share link joins without credentials.
 */
class RdpSingleSignOnTest {

    private static final String CREDENTIAL_TOKEN = "credential-token-for-tests";
    private static final String PASSWORD = "Aa1-the-owners-sign-in-password-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The agent's route, played on loopback: records each request and answers as told. */
    private static final class AgentSignInStandIn implements AutoCloseable {
        record Asked(String authorization, JsonNode body) {
        }

        final HttpServer server;
        final List<Asked> asked = new CopyOnWriteArrayList<>();
        volatile int status = 200;
        volatile CountDownLatch stall = new CountDownLatch(0);

        AgentSignInStandIn() throws Exception {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            server.createContext("/v1/desktop-sign-in", exchange -> {
                byte[] request;
                try (InputStream in = exchange.getRequestBody()) {
                    request = in.readAllBytes();
                }
                JsonNode body = JSON.readTree(request);
                asked.add(new Asked(exchange.getRequestHeaders().getFirst("Authorization"), body));
                try {
                    stall.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                byte[] answer = (status == 200
                        ? JSON.writeValueAsString(Map.of("username", body.get("username").asText(), "domain",
                                "heps.test", "password", PASSWORD))
                        : "{\"status\": " + status + ", \"error\": \"No sign-in for this user on this desktop\"}")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, answer.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            });
            server.setExecutor(Executors.newCachedThreadPool(runnable -> {
                Thread thread = new Thread(runnable, "agent-sign-in-stand-in");
                thread.setDaemon(true);
                return thread;
            }));
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            stall.countDown();
            server.stop(0);
        }
    }

    private GuacdFake guacd;
    private ServerSocket desktopPort;
    private InMemoryCloud cloud;
    private AgentSignInStandIn agent;
    private PropertiesEnvironment environment;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private PrintStream stderr;

    @BeforeEach
    void setUp() throws Exception {
        stderr = System.err;
        System.setErr(new PrintStream(new TeeStream(stderr, log), true, StandardCharsets.UTF_8));
        guacd = GuacdFake.start();
        desktopPort = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        agent = new AgentSignInStandIn();
        cloud = new InMemoryCloud();
        cloud.put(InMemoryCloud.server("win-alice", "alice-windows", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:alice", "heps-group:exp-7"), Map.of("heps.protocol", "rdp")));
        cloud.put(InMemoryCloud.server("lin-alice", "alice-linux", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:alice"), Map.of("heps.protocol", "vnc")));
        environment = environment();
    }

    private PropertiesEnvironment environment() {
        String port = Integer.toString(desktopPort.getLocalPort());
        return new PropertiesEnvironment()
                .set("guacd-hostname", guacd.hostname())
                .set("guacd-port", Integer.toString(guacd.port()))
                .set("heps-vnc-secret", "a-site-secret-for-vnc-passwords")
                .set("heps-vnc-port", port)
                .set("heps-rdp-port", port)
                .set("heps-rdp-domain", "IHEP")
                .set("heps-agent-url", agent.url())
                .set("heps-agent-token", "activity-token")
                .set("heps-agent-credential-token", CREDENTIAL_TOKEN)
                .set("heps-agent-timeout", "1");
    }

    @AfterEach
    void tearDown() throws Exception {
        System.setErr(stderr);
        agent.close();
        guacd.close();
        desktopPort.close();
        String logged = log.toString(StandardCharsets.UTF_8);
        assertFalse(logged.contains(PASSWORD), "the password reached the log");
    }

    private static GuacamoleClientInformation browser() {
        GuacamoleClientInformation info = new GuacamoleClientInformation();
        info.setOptimalScreenWidth(1920);
        info.setOptimalScreenHeight(1080);
        return info;
    }

    /** Connects as the user and returns what guacd was asked; the tunnel is closed afterwards. */
    private GuacdHandshake connect(ResolverFixture fixture, String username, Set<String> groups, String desktop)
            throws Exception {
        UserContext context = fixture.provider().getUserContext(new TestUser(username, groups));
        Connection connection = context.getConnectionDirectory().get(desktop);
        GuacamoleTunnel tunnel = connection.connect(browser(), Map.of());
        try {
            return guacd.awaitHandshake(Duration.ofSeconds(5));
        } finally {
            tunnel.close();
        }
    }

    @Test
    void theOwnerIsSignedInWithTheAgentsSignInAndNetworkLevelAuthentication() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment)) {
            GuacdHandshake handshake = connect(fixture, "alice", Set.of(), "win-alice");
            assertEquals("rdp", handshake.protocol());
            assertEquals("alice", handshake.parameters().get("username"));
            assertEquals(PASSWORD, handshake.parameters().get("password"));
            assertEquals("heps.test", handshake.parameters().get("domain"), "the agent's domain");
            assertEquals("nla", handshake.parameters().get("security"));

            assertEquals(1, agent.asked.size());
            AgentSignInStandIn.Asked asked = agent.asked.get(0);
            assertEquals("Bearer " + CREDENTIAL_TOKEN, asked.authorization(), "the credential token, not the activity one");
            assertEquals(JSON.readTree("{\"serverId\": \"win-alice\", \"username\": \"alice\"}"), asked.body());

            // Nothing is kept: the next connect asks again, and the connection shows no parameter.
            connect(fixture, "alice", Set.of(), "win-alice");
            assertEquals(2, agent.asked.size());
            UserContext context = fixture.provider().getUserContext(new TestUser("alice", Set.of()));
            assertTrue(context.getConnectionDirectory().get("win-alice").getConfiguration().getParameters().isEmpty());
        }
    }

    @Test
    void someoneWhoMayUseTheDesktopButDoesNotOwnItGetsThePromptAndTheAgentIsNotAsked() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment)) {
            GuacdHandshake handshake = connect(fixture, "dave", Set.of("exp-7"), "win-alice");
            assertEquals("dave", handshake.parameters().get("username"));
            assertEquals("", handshake.parameters().get("password"), "Guacamole prompts");
            assertEquals("any", handshake.parameters().get("security"), "the site's heps-rdp-security");
            assertEquals("IHEP", handshake.parameters().get("domain"));
            assertEquals(List.of(), agent.asked, "the agent is never asked for another user's desktop");
        }
    }

    @Test
    void aShareLinkJoinsTheOwnersSignedInSessionWithoutAnyCredentials() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment)) {
            UserContext alice = fixture.provider().getUserContext(new TestUser("alice", Set.of()));
            GuacamoleTunnel owner = alice.getConnectionDirectory().get("win-alice").connect(browser(), Map.of());
            GuacdHandshake opened = guacd.awaitHandshake(Duration.ofSeconds(5));
            assertEquals(PASSWORD, opened.parameters().get("password"));
            ActiveConnection session = alice.getActiveConnectionDirectory()
                    .get(alice.getActiveConnectionDirectory().getIdentifiers().iterator().next());
            String key = session.getSharingCredentials("win-alice~full").getValues().get("heps_share");
            AuthenticatedUser guest = fixture.provider().authenticateUser(new Credentials(null, null,
                    cn.ac.ihep.heps.testsupport.guacamole.TestRequest.builder().parameter("heps_share", key)
                            .remoteAddress("192.0.2.7").build().toServletRequest()));
            GuacamoleTunnel joined = fixture.provider().getUserContext(guest).getConnectionDirectory()
                    .get("win-alice~full").connect(browser(), Map.of());
            GuacdHandshake join = guacd.awaitHandshake(Duration.ofSeconds(5));
            assertEquals(opened.connectionId(), join.protocol(), "it joins the owner's connection");
            assertEquals("", join.parameters().getOrDefault("password", ""), "never the owner's password");
            assertFalse(join.parameters().containsValue(PASSWORD));
            assertEquals(1, agent.asked.size(), "only the owner's connect asked the agent");
            joined.close();
            owner.close();
        }
    }

    @Test
    void whenTheAgentRefusesOrDoesNotAnswerGuacamolePromptsAsBefore() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment)) {
            agent.status = 404;
            GuacdHandshake refused = connect(fixture, "alice", Set.of(), "win-alice");
            assertEquals("", refused.parameters().get("password"));
            assertEquals("any", refused.parameters().get("security"));

            agent.status = 200;
            agent.stall = new CountDownLatch(1);
            long started = System.nanoTime();
            GuacdHandshake slow = connect(fixture, "alice", Set.of(), "win-alice");
            long waited = (System.nanoTime() - started) / 1_000_000;
            agent.stall.countDown();
            assertEquals("", slow.parameters().get("password"));
            assertTrue(waited < 3_000, "given up after heps-agent-timeout (1 s), waited " + waited + " ms");
        }
    }

    @Test
    void vncDesktopsAndASiteThatTurnedItOffNeverAsk() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment)) {
            assertEquals("vnc", connect(fixture, "alice", Set.of(), "lin-alice").protocol());
            assertEquals(List.of(), agent.asked);
        }
        try (ResolverFixture off = ResolverFixture.start(cloud, environment.set("heps-rdp-single-sign-on", "false"))) {
            assertEquals("", connect(off, "alice", Set.of(), "win-alice").parameters().get("password"));
            assertEquals(List.of(), agent.asked);
        }
    }

    @Test
    void singleSignOnAskedForWithoutACredentialTokenIsAConfigurationError() throws Exception {
        PropertiesEnvironment incomplete = environment().set("heps-rdp-single-sign-on", "true")
                .set("heps-agent-credential-token", "");
        GuacamoleException error = assertThrows(GuacamoleException.class,
                () -> ResolverFixture.start(cloud, incomplete).close());
        assertTrue(error.getMessage().contains("heps-agent-credential-token"), error.getMessage());
        // Without the token and without asking for it, it is simply off.
        try (ResolverFixture quiet = ResolverFixture.start(cloud, environment().set("heps-agent-credential-token", ""))) {
            assertEquals("", connect(quiet, "alice", Set.of(), "win-alice").parameters().get("password"));
        }
    }

    @Test
    void theSsoSecurityCanBeTlsForServersWithoutNla() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloud, environment.set("heps-rdp-sso-security", "tls"))) {
            assertEquals("tls", connect(fixture, "alice", Set.of(), "win-alice").parameters().get("security"));
        }
        assertThrows(GuacamoleException.class,
                () -> ResolverFixture.start(cloud, environment.set("heps-rdp-sso-security", "kerberos")).close());
    }

    /** Writes to both streams: the console keeps its output and the test reads the log. */
    private static final class TeeStream extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        TeeStream(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws java.io.IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            first.write(b, off, len);
            second.write(b, off, len);
        }
    }
}
