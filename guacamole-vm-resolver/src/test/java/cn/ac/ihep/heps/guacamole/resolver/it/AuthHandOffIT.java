package cn.ac.ihep.heps.guacamole.resolver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
import cn.ac.ihep.heps.guacamole.resolver.InMemoryCloud;
import cn.ac.ihep.heps.guacamole.resolver.VmResolverAuthenticationProvider;
import cn.ac.ihep.heps.testsupport.guacamole.GuacamoleHarness;
import cn.ac.ihep.heps.testsupport.guacamole.Login;
import cn.ac.ihep.heps.testsupport.guacamole.TestRequest;
import cn.ac.ihep.heps.testsupport.guacd.GuacdFake;
import cn.ac.ihep.heps.testsupport.guacd.GuacdHandshake;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.guacamole.GuacamoleResourceNotFoundException;
import org.apache.guacamole.environment.LocalEnvironment;
import org.apache.guacamole.net.GuacamoleTunnel;
import org.apache.guacamole.net.auth.Connection;
import org.apache.guacamole.net.auth.UserContext;
import org.apache.guacamole.protocol.GuacamoleClientInformation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The portal hand-off into a desktop: the built guacamole-auth-heps jar, loaded by the harness as
 * Guacamole loads it, authenticates a token; the resolver, reading the same guacamole.properties
 * through LocalEnvironment, offers that user's desktops (own and via the token's groups), and
 * connect() reaches a guacd fake with the exact VNC parameters.
 *
 * <p>The cloud here is the in-memory edge; the OpenStack test bed variants need the OpenStack
 * CloudProvider implementation.
 */
class AuthHandOffIT {

    private static final String VNC_SECRET = "site-secret-shared-with-the-agent";

    static GuacdFake guacd;
    static ServerSocket desktopPort;
    static GuacamoleHarness guacamole;
    static InMemoryCloud cloud;
    static VmResolverAuthenticationProvider resolver;

    @BeforeAll
    static void start() throws Exception {
        guacd = GuacdFake.start();
        desktopPort = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        guacamole = GuacamoleHarness.builder()
                .property("heps-jwt-issuer", HandOffToken.ISSUER)
                .property("heps-jwt-audience", HandOffToken.AUDIENCE)
                .property("heps-jwt-algorithms", "HS256")
                .property("heps-jwt-shared-secret", HandOffToken.SHARED_SECRET)
                .property("heps-jwt-trust-groups", "true")
                .property("heps-portal-url", "https://portal.heps.example/desktop")
                .property("guacd-hostname", guacd.hostname())
                .property("guacd-port", Integer.toString(guacd.port()))
                .property("heps-vnc-secret", VNC_SECRET)
                .property("heps-vnc-port", Integer.toString(desktopPort.getLocalPort()))
                .property("heps-vnc-quality-level", "3")
                .property("heps-vnc-compress-level", "0")
                .property("heps-vnc-encodings", "tight copyrect")
                .extension(Path.of(System.getProperty("heps.auth.extension.jar")))
                .start();
        cloud = new InMemoryCloud();
        cloud.put(InMemoryCloud.server("5d2c-alice", "alice-b1", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:alice"), Map.of("heps.protocol", "vnc")));
        cloud.put(InMemoryCloud.server("8e41-group", "exp-2026-0042 shared", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:pi", "heps-group:exp-2026-0042"), Map.of("heps.protocol", "vnc")));
        resolver = new VmResolverAuthenticationProvider(LocalEnvironment.getInstance(), cloud);
    }

    @AfterAll
    static void stop() throws Exception {
        resolver.shutdown();
        guacamole.close();
        guacd.close();
        desktopPort.close();
    }

    private static UserContext handOff(String username, List<String> groups) throws Exception {
        Login login = guacamole.login(TestRequest.withParameter("heps_token", HandOffToken.mint(username, groups)));
        assertEquals(username, login.user().getIdentifier());
        return resolver.getUserContext(login.user());
    }

    @Test
    void theTokensUserReachesTheirDesktopAndGuacdGetsTheSiteVncProfile() throws Exception {
        UserContext context = handOff("alice", List.of());
        assertEquals(Set.of("5d2c-alice"), context.getConnectionDirectory().getIdentifiers());
        Connection desktop = context.getConnectionDirectory().get("5d2c-alice");
        GuacamoleClientInformation info = new GuacamoleClientInformation();
        info.setOptimalScreenWidth(2560);
        info.setOptimalScreenHeight(1440);
        GuacamoleTunnel tunnel = desktop.connect(info, Map.of("GUAC_USERNAME", "alice"));
        try {
            GuacdHandshake handshake = guacd.awaitHandshake(Duration.ofSeconds(5));
            assertEquals(Map.of(
                    "hostname", "127.0.0.1",
                    "port", Integer.toString(desktopPort.getLocalPort()),
                    "password", new VncPasswordDerivation(VNC_SECRET).passwordFor("5d2c-alice"),
                    "encodings", "tight copyrect",
                    "color-depth", "24",
                    "quality-level", "3",
                    "compress-level", "0",
                    "disable-display-resize", "true"), handshake.setParameters());
            assertEquals(List.of("2560", "1440", "96"), handshake.size());
        } finally {
            tunnel.close();
        }
    }

    @Test
    void theTokensGroupsGrantTheSharedDesktop() throws Exception {
        UserContext context = handOff("bob", List.of("exp-2026-0042"));
        assertEquals(Set.of("8e41-group"), context.getConnectionDirectory().getIdentifiers());
    }

    @Test
    void aUserWithoutADesktopIsToldSo() throws Exception {
        GuacamoleResourceNotFoundException e = assertThrows(GuacamoleResourceNotFoundException.class,
                () -> handOff("mallory", List.of("exp-other")));
        assertTrue(e.getMessage().contains("No desktop is assigned to you"), e.getMessage());
    }
}
