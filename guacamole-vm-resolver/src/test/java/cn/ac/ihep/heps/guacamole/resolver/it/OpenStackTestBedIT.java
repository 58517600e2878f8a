package cn.ac.ihep.heps.guacamole.resolver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerRequest;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
import cn.ac.ihep.heps.common.cloud.openstack.OpenStackCredentials;
import cn.ac.ihep.heps.guacamole.resolver.TestUser;
import cn.ac.ihep.heps.testsupport.guacamole.GuacamoleHarness;
import cn.ac.ihep.heps.testsupport.guacamole.Login;
import cn.ac.ihep.heps.testsupport.guacamole.TestRequest;
import cn.ac.ihep.heps.testsupport.guacd.GuacdFake;
import cn.ac.ihep.heps.testsupport.guacd.GuacdHandshake;
import cn.ac.ihep.heps.testsupport.http.CuttableHttpProxy;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.guacamole.GuacamoleClientException;
import org.apache.guacamole.GuacamoleResourceNotFoundException;
import org.apache.guacamole.GuacamoleUpstreamUnavailableException;
import org.apache.guacamole.net.GuacamoleTunnel;
import org.apache.guacamole.net.auth.AuthenticationProvider;
import org.apache.guacamole.net.auth.Connection;
import org.apache.guacamole.net.auth.UserContext;
import org.apache.guacamole.protocol.GuacamoleClientInformation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The built resolver jar, loaded by the harness child-first, against the machine's OpenStack
 * test bed (Nova fake driver): several users, a shared group desktop, every power state, and
 * Nova cut mid-test. The shared Nova is never stopped: the resolver reaches Keystone and Nova
 * through loopback proxies (the Keystone one rewrites the catalog to the Nova one), and the
 * Nova proxy is cut.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenStackTestBedIT {

    private static final String RUN = "it" + UUID.randomUUID().toString().substring(0, 8);
    private static final String VNC_SECRET = "test-bed-site-secret-" + RUN;

    static CloudProvider setup;
    static final Map<String, String> ids = new HashMap<>();
    static final List<String> created = new ArrayList<>();
    static CuttableHttpProxy keystone;
    static CuttableHttpProxy nova;
    static GuacdFake guacd;
    static String aliasAddress;
    static ServerSocket desktopPort;
    static GuacamoleHarness guacamole;
    static AuthenticationProvider resolver;

    static String user(String name) {
        return RUN + "-" + name;
    }

    @BeforeAll
    static void start() throws Exception {
        OpenStackTestBed bed = OpenStackTestBed.find();
        setup = bed.provider();
        String image = setup.listImages(Map.of()).stream().filter(i -> OpenStackTestBed.LINUX_IMAGE.equals(i.name()))
                .map(CloudImage::id).findFirst().orElseThrow();
        String flavor = setup.findFlavor(OpenStackTestBed.CPU_FLAVOR).map(CloudFlavor::id).orElseThrow();
        create("alice", image, flavor, "heps-owner:" + user("alice"));
        create("shared", image, flavor, "heps-owner:" + user("pi"), "heps-group:" + user("exp-1"));
        for (String owner : List.of("bob", "carol", "dave", "erin", "frank")) {
            create(owner, image, flavor, "heps-owner:" + user(owner));
        }
        for (String key : ids.keySet()) {
            await("server " + key + " ACTIVE", () -> state(key) == ServerState.ACTIVE, Duration.ofSeconds(120));
        }
        setup.stopServer(ids.get("bob"));
        setup.shelveServer(ids.get("carol"));
        await("bob SHUTOFF", () -> state("bob") == ServerState.SHUTOFF, Duration.ofSeconds(60));
        suspend("dave");
        pause("erin");
        errorState("frank");
        await("carol shelved", () -> state("carol") == ServerState.SHELVED_OFFLOADED
                || state("carol") == ServerState.SHELVED, Duration.ofSeconds(60));
        await("dave SUSPENDED", () -> state("dave") == ServerState.SUSPENDED, Duration.ofSeconds(60));
        await("erin PAUSED", () -> state("erin") == ServerState.PAUSED, Duration.ofSeconds(60));
        await("frank ERROR", () -> state("frank") == ServerState.ERROR, Duration.ofSeconds(60));

        // Alice's desktop answers on its fixed address: an alias on loopback with a listener.
        aliasAddress = setup.findServer(ids.get("alice")).orElseThrow().fixedAddressOn(OpenStackTestBed.NETWORK)
                .orElseThrow();
        run("ip", "addr", "add", aliasAddress + "/32", "dev", "lo");
        desktopPort = new ServerSocket(0, 50, InetAddress.getByName(aliasAddress));
        guacd = GuacdFake.start();

        OpenStackCredentials credentials = bed.credentials(OpenStackTestBed.CLOUD);
        URI realKeystone = URI.create(credentials.identityV3Url()).resolve("/");
        keystone = CuttableHttpProxy.start(realKeystone);
        nova = CuttableHttpProxy.start(URI.create("http://127.0.0.1:8774"));
        keystone.rewrite("http://127.0.0.1:8774", nova.uri().toString());
        guacamole = GuacamoleHarness.builder()
                .property("heps-openstack-auth-url", keystone.uri().resolve("/v3").toString())
                .property("heps-openstack-username", credentials.username())
                .property("heps-openstack-password", credentials.password())
                .property("heps-openstack-project-name", credentials.projectName())
                .property("heps-openstack-user-domain-name", credentials.userDomainName())
                .property("heps-openstack-project-domain-name", credentials.projectDomainName())
                .property("heps-vm-refresh-interval", "2")
                .property("heps-vm-miss-refresh-interval", "1")
                .property("heps-vm-wake-retry-interval", "5")
                .property("heps-vnc-secret", VNC_SECRET)
                .property("heps-vnc-port", Integer.toString(desktopPort.getLocalPort()))
                .property("guacd-hostname", guacd.hostname())
                .property("guacd-port", Integer.toString(guacd.port()))
                .property("heps-jwt-issuer", HandOffToken.ISSUER)
                .property("heps-jwt-audience", HandOffToken.AUDIENCE)
                .property("heps-jwt-algorithms", "HS256")
                .property("heps-jwt-shared-secret", HandOffToken.SHARED_SECRET)
                .property("heps-jwt-trust-groups", "true")
                .extension(Path.of(System.getProperty("heps.auth.extension.jar")))
                .extension(BuiltExtension.jar())
                .start();
        resolver = guacamole.authenticationProviders().stream()
                .filter(provider -> "heps-vm-resolver".equals(provider.getIdentifier())).findFirst().orElseThrow();
    }

    @AfterAll
    static void stop() throws Exception {
        if (guacamole != null) {
            guacamole.close();
        }
        for (String id : created) {
            try {
                setup.deleteServer(id);
            } catch (RuntimeException e) {
                // Best effort; names carry the run id.
            }
        }
        if (desktopPort != null) {
            desktopPort.close();
        }
        if (aliasAddress != null) {
            run("ip", "addr", "del", aliasAddress + "/32", "dev", "lo");
        }
        for (AutoCloseable closeable : new AutoCloseable[] {keystone, nova, guacd}) {
            if (closeable != null) {
                closeable.close();
            }
        }
    }

    @Test
    @Order(1)
    void ownersAndGroupMembersSeeTheirDesktopsAndNobodyElses() throws Exception {
        assertEquals(Set.of(ids.get("alice")), identifiers(user("alice"), Set.of()));
        assertEquals(Set.of(ids.get("shared")), identifiers(user("gina"), Set.of(user("exp-1"))));
        assertEquals(Set.of(ids.get("shared"), ids.get("alice")), identifiers(user("alice"), Set.of(user("exp-1"))));
        GuacamoleResourceNotFoundException e = assertThrows(GuacamoleResourceNotFoundException.class,
                () -> context(user("mallory"), Set.of(user("exp-2"))));
        assertTrue(e.getMessage().contains("No desktop is assigned to you"), e.getMessage());
    }

    @Test
    @Order(2)
    void aPortalTokenLoginThroughBothBuiltExtensionsOffersTheGroupDesktop() throws Exception {
        Login login = guacamole.login(TestRequest.withParameter("heps_token",
                HandOffToken.mint(user("gina"), List.of(user("exp-1")))));
        assertEquals(user("gina"), login.user().getIdentifier());
        UserContext desktops = login.userContexts().stream()
                .filter(context -> "heps-vm-resolver".equals(context.getAuthenticationProvider().getIdentifier()))
                .findFirst().orElseThrow();
        assertEquals(Set.of(ids.get("shared")), desktops.getConnectionDirectory().getIdentifiers());
    }

    @Test
    @Order(2)
    void openstack4jFindsItsConnectorInsideTheExtensionsOwnClassLoader() throws Exception {
        ClassLoader extension = resolver.getClass().getClassLoader();
        assertNotSame(getClass().getClassLoader(), extension);
        Class<?> service = extension.loadClass("org.openstack4j.core.transport.HttpExecutorService");
        assertSame(extension, service.getClassLoader(), "openstack4j comes from the extension, not the test classpath");
        Iterator<?> connectors = ServiceLoader.load(service, service.getClassLoader()).iterator();
        assertTrue(connectors.hasNext(), "no openstack4j connector visible to openstack4j's own class loader");
        Object connector = connectors.next();
        assertEquals("org.openstack4j.connectors.okhttp.HttpExecutorServiceImpl", connector.getClass().getName());
        assertSame(extension, connector.getClass().getClassLoader());
    }

    @Test
    @Order(3)
    void connectReachesGuacdWithTheDerivedPassword() throws Exception {
        Connection desktop = context(user("alice"), Set.of()).getConnectionDirectory().get(ids.get("alice"));
        GuacamoleTunnel tunnel = desktop.connect(new GuacamoleClientInformation(), Map.of());
        try {
            GuacdHandshake handshake = guacd.awaitHandshake(Duration.ofSeconds(10));
            assertEquals(Map.of(
                    "hostname", aliasAddress,
                    "port", Integer.toString(desktopPort.getLocalPort()),
                    "password", new VncPasswordDerivation(VNC_SECRET).passwordFor(ids.get("alice")),
                    "encodings", "raw copyrect",
                    "color-depth", "24",
                    "disable-display-resize", "true"), handshake.setParameters());
        } finally {
            tunnel.close();
        }
    }

    @Test
    @Order(4)
    void sleepingDesktopsAreWokenAndTheClientToldToRetry() throws Exception {
        for (String owner : List.of("bob", "carol", "dave", "erin")) {
            Connection desktop = context(user(owner), Set.of()).getConnectionDirectory().get(ids.get(owner));
            assertThrows(GuacamoleUpstreamUnavailableException.class,
                    () -> desktop.connect(new GuacamoleClientInformation(), Map.of()), owner);
        }
        // The Guacamole client retries by itself; so does this loop, until Nova reports ACTIVE.
        for (String owner : List.of("bob", "carol", "dave", "erin")) {
            Connection desktop = context(user(owner), Set.of()).getConnectionDirectory().get(ids.get(owner));
            await(owner + " woken to ACTIVE", () -> {
                assertThrows(GuacamoleUpstreamUnavailableException.class,
                        () -> desktop.connect(new GuacamoleClientInformation(), Map.of()), owner);
                return state(owner) == ServerState.ACTIVE;
            }, Duration.ofSeconds(120));
        }
        // Running, but no desktop answers on its fake address: still "upstream unavailable".
        Connection bob = context(user("bob"), Set.of()).getConnectionDirectory().get(ids.get("bob"));
        assertThrows(GuacamoleUpstreamUnavailableException.class, () -> bob.connect(new GuacamoleClientInformation(), Map.of()));
        assertEquals(0, guacd.pendingHandshakes());
    }

    @Test
    @Order(5)
    void aFailedDesktopIsNamedWithWhatToDo() throws Exception {
        Connection failed = context(user("frank"), Set.of()).getConnectionDirectory().get(ids.get("frank"));
        assertTrue(failed.getName().contains("failed"), failed.getName());
        GuacamoleClientException e = assertThrows(GuacamoleClientException.class,
                () -> failed.connect(new GuacamoleClientInformation(), Map.of()));
        assertTrue(e.getMessage().contains(user("frank")) && e.getMessage().contains("IT support"), e.getMessage());
    }

    @Test
    @Order(6)
    void whenNovaStopsTheLastGoodIndexKeepsServing() throws Exception {
        int refusedBefore = nova.refusedRequests();
        nova.cut();
        try {
            // Let at least one background listing fail.
            await("a listing refused", () -> nova.refusedRequests() > refusedBefore, Duration.ofSeconds(10));
            assertEquals(Set.of(ids.get("alice")), identifiers(user("alice"), Set.of()));
            assertEquals(Set.of(ids.get("shared")), identifiers(user("gina"), Set.of(user("exp-1"))));
            assertThrows(GuacamoleResourceNotFoundException.class, () -> context(user("newcomer"), Set.of()));
            // Connecting still works from the listed state while Nova is away.
            Connection desktop = context(user("alice"), Set.of()).getConnectionDirectory().get(ids.get("alice"));
            GuacamoleTunnel tunnel = desktop.connect(new GuacamoleClientInformation(), Map.of());
            try {
                assertEquals(aliasAddress, guacd.awaitHandshake(Duration.ofSeconds(10)).parameters().get("hostname"));
            } finally {
                tunnel.close();
            }
        } finally {
            nova.restore();
        }
        // Back: a desktop created meanwhile is found by its owner's first login.
        String image = setup.findServer(ids.get("alice")).orElseThrow().imageId();
        String flavor = setup.findServer(ids.get("alice")).orElseThrow().flavorId();
        create("newcomer", image, flavor, "heps-owner:" + user("newcomer"));
        await("newcomer sees the new desktop", () -> {
            try {
                return identifiers(user("newcomer"), Set.of()).equals(Set.of(ids.get("newcomer")));
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(60));
    }

    // Helpers

    private static UserContext context(String username, Set<String> groups) throws Exception {
        return resolver.getUserContext(new TestUser(username, groups));
    }

    private static Set<String> identifiers(String username, Set<String> groups) throws Exception {
        return context(username, groups).getConnectionDirectory().getIdentifiers();
    }

    private static void create(String key, String image, String flavor, String... accessTags) {
        Set<String> tags = new java.util.HashSet<>(List.of(accessTags));
        tags.add("heps-desktop");
        CloudServer server = setup.createServer(new ServerRequest(user(key), image, flavor, OpenStackTestBed.NETWORK,
                tags, Map.of("heps.protocol", "vnc"), null, null));
        ids.put(key, server.id());
        created.add(server.id());
    }

    private static ServerState state(String key) {
        return setup.findServer(ids.get(key)).map(CloudServer::state).orElse(ServerState.DELETED);
    }

    /** SUSPENDED, PAUSED and ERROR have no verb in CloudProvider (the project never causes them). */
    private static void suspend(String key) {
        openstack("heps-dev", "server", "suspend", ids.get(key));
    }

    private static void pause(String key) {
        openstack("heps-dev", "server", "pause", ids.get(key));
    }

    private static void errorState(String key) {
        openstack("heps-dev-admin", "server", "set", "--state", "error", ids.get(key));
    }

    private static void openstack(String cloud, String... args) {
        List<String> command = new ArrayList<>(List.of("openstack", "--os-cloud", cloud));
        command.addAll(List.of(args));
        Map<String, String> env = Map.of("OS_CLIENT_CONFIG_FILE", OpenStackTestBed.find().cloudsYaml().toString());
        runWith(env, command.toArray(String[]::new));
    }

    private static void run(String... command) {
        runWith(Map.of(), command);
    }

    private static void runWith(Map<String, String> env, String... command) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(env);
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed: " + output);
            }
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot run " + command[0], e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void await(String what, Supplier<Boolean> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.get()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("Timed out after " + timeout + " waiting for " + what);
    }
}
