package cn.ac.ihep.heps.guacamole.resolver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import cn.ac.ihep.heps.guacamole.resolver.activity.AgentStandIn;
import cn.ac.ihep.heps.testsupport.guacamole.GuacamoleHarness;
import cn.ac.ihep.heps.testsupport.guacamole.Login;
import cn.ac.ihep.heps.testsupport.guacamole.TestRequest;
import cn.ac.ihep.heps.testsupport.guacd.GuacdFake;
import cn.ac.ihep.heps.testsupport.guacd.GuacdHandshake;
import cn.ac.ihep.heps.testsupport.ldap.DirectoryFixture;
import cn.ac.ihep.heps.testsupport.openstack.NovaStandIn;
import com.fasterxml.jackson.databind.JsonNode;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.guacamole.GuacamoleClientException;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleResourceNotFoundException;
import org.apache.guacamole.GuacamoleSecurityException;
import org.apache.guacamole.GuacamoleUpstreamUnavailableException;
import org.apache.guacamole.net.GuacamoleTunnel;
import org.apache.guacamole.net.auth.ActiveConnection;
import org.apache.guacamole.net.auth.Connection;
import org.apache.guacamole.net.auth.UserContext;
import org.apache.guacamole.net.auth.credentials.GuacamoleCredentialsException;
import org.apache.guacamole.net.auth.permission.ObjectPermission;
import org.apache.guacamole.protocol.GuacamoleClientInformation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The access invariant on random worlds, through the code Guacamole runs: both built extension
 * jars loaded by the harness as Guacamole 1.6.0 loads them, every user signing in with a portal
 * token whose groups come from a real LDAP directory (UnboundID in memory), Nova and Keystone
 * answering over real HTTP on loopback, guacd a fake that records every connection and join.
 *
 * <p>Each world has users, experiments at beamlines with personal or experiment-wide desktops,
 * named users, desktops past their beamtime, asleep or running, support groups per beamline and
 * site-wide, live sessions and share links. The invariant:
 * <ul>
 * <li>a user is offered exactly the desktops the tags grant them (owner, named user, a group they
 *     are in) plus, for support staff, a view-only join of each other desktop of their beamlines;
 *     READ only, no parameter shown;</li>
 * <li>nothing else can be connected to; a desktop past its beamtime is neither woken nor opened;
 *     only the owner wakes a desktop; a grant taken away after sign-in is refused at connect;</li>
 * <li>a support view joins the live session read-only and opens no VM; a share link gives
 *     exactly its profile: a read-only or a full join of that one session, nothing else, and
 *     nothing once the session ends;</li>
 * <li>every join of someone else's session reaches the agent's audit channel.</li>
 * </ul>
 */
class AccessInvariantIT {

    private static final String VNC_SECRET = "access-invariant-site-secret";
    private static final List<String> BEAMLINES = List.of("nanoprobe", "high-pressure", "imaging");
    /** Support groups as configured: group → the beamlines it supports (empty: every beamline). */
    private static final Map<String, Set<String>> SUPPORT = Map.of(
            "ia-site-support", Set.of(),
            "ia-np-staff", Set.of("nanoprobe"),
            "ia-np-night", Set.of("nanoprobe"),
            "ia-hp-staff", Set.of("high-pressure"));

    static NovaStandIn nova;
    static DirectoryFixture directory;
    static GuacdFake guacd;
    static ServerSocket desktopPort;
    static Thread desktopAcceptor;
    static AgentStandIn agent;
    static GuacamoleHarness guacamole;
    static final ExecutorService readers = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "access-invariant-reader");
        thread.setDaemon(true);
        return thread;
    });

    @BeforeAll
    static void start() throws Exception {
        nova = NovaStandIn.start();
        directory = DirectoryFixture.posix();
        for (String group : SUPPORT.keySet()) {
            addGroup(group);
        }
        guacd = GuacdFake.start();
        desktopPort = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        // Every desktop answers on this port: accept and let go, so probes never fill the backlog.
        desktopAcceptor = new Thread(() -> {
            while (!desktopPort.isClosed()) {
                try (Socket probe = desktopPort.accept()) {
                    probe.getInputStream().available();
                } catch (IOException e) {
                    return;
                }
            }
        }, "desktop-port");
        desktopAcceptor.setDaemon(true);
        desktopAcceptor.start();
        agent = new AgentStandIn();
        StringBuilder support = new StringBuilder();
        SUPPORT.forEach((group, beamlines) -> {
            if (beamlines.isEmpty()) {
                support.append(group).append(", ");
            } else {
                beamlines.forEach(b -> support.append(b).append('=').append(group).append(", "));
            }
        });
        guacamole = GuacamoleHarness.builder()
                .property("heps-jwt-issuer", HandOffToken.ISSUER)
                .property("heps-jwt-audience", HandOffToken.AUDIENCE)
                .property("heps-jwt-algorithms", "HS256")
                .property("heps-jwt-shared-secret", HandOffToken.SHARED_SECRET)
                .property("heps-jwt-trust-groups", "false")
                .property("heps-portal-url", "https://portal.heps.example/desktop")
                .property("heps-ldap-urls", directory.url())
                .property("heps-ldap-bind-dn", directory.bindDn())
                .property("heps-ldap-bind-password", directory.bindPassword())
                .property("heps-ldap-user-base-dn", directory.userBaseDn())
                .property("heps-ldap-group-base-dn", directory.groupBaseDn())
                .property("heps-openstack-auth-url", nova.identityUrl())
                .property("heps-openstack-username", "heps-resolver")
                .property("heps-openstack-password", "stand-in-password")
                .property("heps-openstack-project-name", "heps")
                .property("heps-openstack-user-domain-name", "Default")
                .property("heps-openstack-project-domain-name", "Default")
                .property("heps-vm-refresh-interval", "1")
                .property("heps-vm-miss-refresh-interval", "0")
                .property("heps-vnc-secret", VNC_SECRET)
                .property("heps-vnc-port", Integer.toString(desktopPort.getLocalPort()))
                .property("guacd-hostname", guacd.hostname())
                .property("guacd-port", Integer.toString(guacd.port()))
                .property("heps-support-groups", support.toString())
                .property("heps-site-contact", "the HEPS user office")
                .property("heps-agent-url", agent.url())
                .property("heps-agent-token", "an-activity-token")
                .property("heps-agent-report-interval", "3600")
                .property("heps-node-name", "guac-invariant")
                .extension(Path.of(System.getProperty("heps.auth.extension.jar")))
                .extension(BuiltExtension.jar())
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (guacamole != null) {
            guacamole.close();
        }
        readers.shutdownNow();
        for (AutoCloseable closeable : new AutoCloseable[] {agent, guacd, desktopPort, nova, directory}) {
            if (closeable != null) {
                closeable.close();
            }
        }
    }

    // The world

    record Desktop(String id, String owner, String beamline, String status, Set<String> tags, Instant expires) {
        boolean running() {
            return status.equals("ACTIVE");
        }

        boolean expired(Instant now) {
            return expires != null && !now.isBefore(expires);
        }
    }

    record World(long seed, List<String> users, Map<String, Set<String>> groupsOf, List<Desktop> desktops) {

        boolean grants(String user, Desktop d) {
            if (!d.tags().contains("heps-desktop")) {
                return false;
            }
            return d.tags().contains("heps-owner:" + user) || d.tags().contains("heps-user:" + user)
                    || groupsOf.get(user).stream().anyMatch(g -> d.tags().contains("heps-group:" + g));
        }

        /** Beamlines the user supports: empty when none, null when every beamline. */
        Set<String> supportScope(String user) {
            Set<String> beamlines = new HashSet<>();
            boolean any = false;
            for (String group : groupsOf.get(user)) {
                Set<String> scope = SUPPORT.get(group);
                if (scope != null) {
                    if (scope.isEmpty()) {
                        return null;
                    }
                    any = true;
                    beamlines.addAll(scope);
                }
            }
            return any ? beamlines : Set.of();
        }

        boolean watches(String user, Desktop d) {
            Set<String> scope = supportScope(user);
            return d.tags().contains("heps-desktop") && !grants(user, d)
                    && (scope == null || d.beamline() != null && scope.contains(d.beamline()));
        }

        Set<String> offered(String user) {
            Set<String> ids = new TreeSet<>();
            for (Desktop d : desktops) {
                if (grants(user, d)) {
                    ids.add(d.id());
                } else if (watches(user, d)) {
                    ids.add(d.id() + "~view");
                }
            }
            return ids;
        }

        Desktop desktop(String id) {
            return desktops.stream().filter(d -> d.id().equals(id)).findFirst().orElseThrow();
        }
    }

    private static World world(long seed, Instant now) throws Exception {
        Random random = new Random(seed);
        String prefix = "ia" + seed + "-";
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 22; i++) {
            users.add(prefix + "u" + i);
        }
        // Names that extend one another, to catch loose matching.
        users.add(prefix + "u1x");
        users.add(prefix + "u");
        Map<String, Set<String>> groupsOf = new LinkedHashMap<>();
        users.forEach(user -> groupsOf.put(user, new TreeSet<>()));
        List<String> experimentGroups = new ArrayList<>();
        List<String> experimentBeamlines = new ArrayList<>();
        List<Boolean> experimentWide = new ArrayList<>();
        Map<String, List<String>> membersOf = new LinkedHashMap<>();
        for (int e = 0; e < 6; e++) {
            String group = prefix + "exp-" + e;
            experimentGroups.add(group);
            experimentBeamlines.add(e == 5 ? null : BEAMLINES.get(random.nextInt(BEAMLINES.size())));
            experimentWide.add(random.nextInt(3) == 0);
            List<String> members = new ArrayList<>();
            for (String user : users) {
                if (random.nextInt(4) == 0) {
                    members.add(user);
                    groupsOf.get(user).add(group);
                }
            }
            membersOf.put(group, members);
        }
        List<String> supportGroups = new ArrayList<>(new TreeSet<>(SUPPORT.keySet()));
        for (String user : users) {
            if (random.nextInt(5) == 0) {
                groupsOf.get(user).add(supportGroups.get(random.nextInt(supportGroups.size())));
            }
        }
        List<Desktop> desktops = new ArrayList<>();
        for (int e = 0; e < experimentGroups.size(); e++) {
            for (String member : membersOf.get(experimentGroups.get(e))) {
                if (random.nextInt(5) == 0) {
                    continue;
                }
                Set<String> tags = new TreeSet<>();
                if (random.nextInt(12) != 0) {
                    tags.add("heps-desktop");
                }
                tags.add("heps-owner:" + member);
                if (experimentWide.get(e)) {
                    tags.add("heps-group:" + experimentGroups.get(e));
                }
                for (int n = random.nextInt(3); n > 0; n--) {
                    String named = users.get(random.nextInt(users.size()));
                    if (!named.equals(member)) {
                        tags.add("heps-user:" + named);
                    }
                }
                // Noise that grants nothing.
                tags.add(List.of("heps-owner", "owner:" + users.get(random.nextInt(users.size())),
                        "heps-users:" + users.get(random.nextInt(users.size())), "heps-group-" + experimentGroups.get(0),
                        "gpu").get(random.nextInt(5)));
                int roll = random.nextInt(20);
                String status = roll < 14 ? "ACTIVE" : roll < 17 ? "SHUTOFF" : "SHELVED_OFFLOADED";
                Instant expires = random.nextInt(8) == 0 ? now.minus(Duration.ofHours(1 + random.nextInt(48)))
                        : now.plus(Duration.ofHours(1 + random.nextInt(48)));
                desktops.add(new Desktop(prefix + "vm-" + desktops.size(), member, experimentBeamlines.get(e), status,
                        tags, expires));
            }
        }
        return new World(seed, users, groupsOf, desktops);
    }

    private static void publish(World world) throws Exception {
        for (String user : world.users()) {
            directory.server().add("dn: uid=" + user + "," + directory.userBaseDn(), "objectClass: inetOrgPerson",
                    "objectClass: posixAccount", "uid: " + user, "cn: " + user, "sn: " + user,
                    "uidNumber: 40000", "gidNumber: 40000", "homeDirectory: /home/" + user);
        }
        Map<String, List<String>> members = new HashMap<>();
        world.groupsOf().forEach((user, groups) -> groups.forEach(g -> members.computeIfAbsent(g, k -> new ArrayList<>())
                .add(user)));
        for (Map.Entry<String, List<String>> group : members.entrySet()) {
            if (!SUPPORT.containsKey(group.getKey())) {
                addGroup(group.getKey());
            }
            directory.server().modify("cn=" + group.getKey() + "," + directory.groupBaseDn(),
                    new Modification(ModificationType.ADD, "memberUid", group.getValue().toArray(String[]::new)));
        }
        int before = nova.listings();
        // This world only: whatever an earlier one left is gone.
        nova.clear();
        for (Desktop d : world.desktops()) {
            Map<String, String> metadata = new HashMap<>();
            metadata.put("heps.protocol", "vnc");
            metadata.put("heps.expires", d.expires().toString());
            if (d.beamline() != null) {
                metadata.put("heps.beamline", d.beamline());
            }
            nova.put(new NovaStandIn.Server(d.id(), d.id(), d.status(), d.tags(), metadata, "127.0.0.1"));
        }
        // Two listings after the change: the resolver's index holds this world.
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (nova.listings() < before + 2) {
            if (System.nanoTime() > deadline) {
                fail("the resolver did not list the new world");
            }
            Thread.sleep(50);
        }
    }

    private static void addGroup(String group) throws Exception {
        directory.server().add("dn: cn=" + group + "," + directory.groupBaseDn(), "objectClass: posixGroup",
                "cn: " + group, "gidNumber: 41000");
    }

    // Signing in

    /** A portal sign-in: the resolver's context, or why the resolver refused it. */
    record SignIn(UserContext context, GuacamoleException refusal) {
    }

    private static SignIn signIn(String user) throws Exception {
        try {
            Login login = guacamole.login(TestRequest.builder()
                    .parameter("heps_token", HandOffToken.mint(user, List.of())).remoteAddress("192.0.2.20").build());
            assertEquals(user, login.user().getIdentifier());
            return new SignIn(login.userContexts().stream()
                    .filter(c -> "heps-vm-resolver".equals(c.getAuthenticationProvider().getIdentifier())).findFirst()
                    .orElseThrow(), null);
        } catch (GuacamoleClientException refused) {
            return new SignIn(null, refused);
        }
    }

    private static GuacamoleClientInformation screen() {
        GuacamoleClientInformation info = new GuacamoleClientInformation();
        info.setOptimalScreenWidth(1280);
        info.setOptimalScreenHeight(800);
        return info;
    }

    /** What happens when the first instruction is read: the check passes (the read waits on guacd) or refuses. */
    private static Optional<Throwable> firstRead(GuacamoleTunnel tunnel, Duration patience) throws Exception {
        Future<?> read = readers.submit(() -> {
            tunnel.acquireReader().read();
            return null;
        });
        try {
            read.get(patience.toMillis(), TimeUnit.MILLISECONDS);
            return Optional.empty();
        } catch (TimeoutException stillWaitingForGuacd) {
            read.cancel(true);
            return Optional.empty();
        } catch (ExecutionException e) {
            return Optional.of(e.getCause());
        }
    }

    /** A session someone has open: the owner's context, the tunnel, guacd's connection id. */
    record Session(String user, UserContext context, GuacamoleTunnel tunnel, String connectionId) {
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {7, 2026, 424242})
    void nobodyIsOfferedOrConnectedToADesktopTheRulesDoNotGrantAndShareLinksGiveExactlyTheirProfile(long seed)
            throws Exception {
        Instant now = Instant.now();
        World world = world(seed, now);
        publish(world);
        agent.drain();
        List<String> actionsBefore = nova.actions();

        // 1. Offered: exactly what the rules grant, READ only, no parameter.
        Map<String, Integer> seen = new java.util.TreeMap<>();
        Map<String, UserContext> contexts = new LinkedHashMap<>();
        for (String user : world.users()) {
            Set<String> expected = world.offered(user);
            SignIn signIn = signIn(user);
            if (signIn.refusal() instanceof GuacamoleResourceNotFoundException) {
                seen.merge("sign-ins offered nothing", 1, Integer::sum);
                assertEquals(Set.of(), expected, user + " was told they have no desktop");
                continue;
            }
            if (signIn.refusal() != null) {
                // Refused at sign-in with when and whom to ask: only when every desktop's beamtime is over.
                seen.merge("sign-ins refused after the beamtime", 1, Integer::sum);
                assertTrue(signIn.refusal().getMessage().contains("the HEPS user office"), signIn.refusal().getMessage());
                assertTrue(!expected.isEmpty() && expected.stream().allMatch(id -> !id.endsWith("~view")
                        && world.desktop(id).expired(now)), user + " refused with " + expected);
                continue;
            }
            UserContext c = signIn.context();
            Set<String> offered = new TreeSet<>(c.getConnectionDirectory().getIdentifiers());
            assertEquals(expected, offered, () -> "offered to " + user + " (seed " + seed + ", groups "
                    + world.groupsOf().get(user) + ")");
            seen.merge("desktops offered", (int) offered.stream().filter(id -> !id.endsWith("~view")).count(),
                    Integer::sum);
            seen.merge("views offered", (int) offered.stream().filter(id -> id.endsWith("~view")).count(), Integer::sum);
            contexts.put(user, c);
            Set<ObjectPermission> permissions = c.self().getConnectionPermissions().getPermissions();
            assertEquals(offered.size(), permissions.size());
            for (ObjectPermission permission : permissions) {
                assertEquals(ObjectPermission.Type.READ, permission.getType());
                assertTrue(offered.contains(permission.getObjectIdentifier()));
            }
            assertTrue(c.self().getSystemPermissions().getPermissions().isEmpty());
            for (String id : offered) {
                Connection connection = c.getConnectionDirectory().get(id);
                assertTrue(connection.getConfiguration().getParameters().isEmpty(), id);
                // Not offered means not there to connect to.
            }
            for (Desktop other : world.desktops()) {
                if (!offered.contains(other.id())) {
                    assertNull(c.getConnectionDirectory().get(other.id()), user + " reaches " + other.id());
                }
                if (!offered.contains(other.id() + "~view")) {
                    assertNull(c.getConnectionDirectory().get(other.id() + "~view"), user + " watches " + other.id());
                }
                assertNull(c.getConnectionDirectory().get(other.id() + "~full"), user + " joins " + other.id());
            }
        }

        // 2. Connecting to one's own desktops: opened when running, woken for the owner only, never after
        //    its beamtime.
        Map<String, Session> live = new LinkedHashMap<>();
        Set<String> wakeable = new HashSet<>();
        for (Map.Entry<String, UserContext> entry : contexts.entrySet()) {
            String user = entry.getKey();
            for (String id : new TreeSet<>(entry.getValue().getConnectionDirectory().getIdentifiers())) {
                if (id.endsWith("~view")) {
                    continue;
                }
                Desktop d = world.desktop(id);
                Connection connection = entry.getValue().getConnectionDirectory().get(id);
                if (d.expired(now)) {
                    GuacamoleException e = assertThrows(GuacamoleClientException.class,
                            () -> connection.connect(screen(), Map.of()), user + " opens expired " + id);
                    assertTrue(e.getMessage().contains("the HEPS user office"), e.getMessage());
                    seen.merge("opens refused after the beamtime", 1, Integer::sum);
                } else if (!d.running() && !d.owner().equals(user)) {
                    assertThrows(GuacamoleClientException.class, () -> connection.connect(screen(), Map.of()),
                            user + " wakes " + id + " of " + d.owner());
                    seen.merge("wakes refused to non-owners", 1, Integer::sum);
                } else if (!d.running()) {
                    assertThrows(GuacamoleUpstreamUnavailableException.class,
                            () -> connection.connect(screen(), Map.of()), d.owner() + " wakes " + id);
                    wakeable.add(id);
                } else {
                    GuacamoleTunnel tunnel = connection.connect(screen(), Map.of());
                    GuacdHandshake opened = guacd.awaitHandshake(Duration.ofSeconds(5));
                    assertEquals("vnc", opened.protocol(), "a new connection to the VM");
                    assertEquals(Optional.empty(), firstRead(tunnel, Duration.ofMillis(300)), "the check passes");
                    seen.merge("desktops opened", 1, Integer::sum);
                    if (live.containsKey(id)) {
                        tunnel.close();
                    } else {
                        live.put(id, new Session(user, entry.getValue(), tunnel, opened.connectionId()));
                    }
                }
            }
        }
        List<String> woken = new ArrayList<>(nova.actions().subList(actionsBefore.size(), nova.actions().size()));
        for (String action : woken) {
            String id = action.substring(action.indexOf(':') + 1);
            assertTrue(wakeable.contains(id), "only an owner's own sleeping desktop within its window is woken: " + action);
        }
        assertEquals(wakeable.size(), woken.size(), woken.toString());

        // 3. Watching and sharing: support joins read-only; a link joins in exactly its mode; all audited.
        int joins = 0;
        for (Map.Entry<String, UserContext> entry : contexts.entrySet()) {
            for (String id : new TreeSet<>(entry.getValue().getConnectionDirectory().getIdentifiers())) {
                if (!id.endsWith("~view")) {
                    continue;
                }
                String desktopId = id.substring(0, id.length() - "~view".length());
                Connection view = entry.getValue().getConnectionDirectory().get(id);
                assertTrue(view.getSharingProfileIdentifiers().isEmpty());
                Session session = live.get(desktopId);
                if (session == null) {
                    assertThrows(GuacamoleResourceNotFoundException.class, () -> view.connect(screen(), Map.of()));
                    seen.merge("views with no session", 1, Integer::sum);
                    continue;
                }
                view.connect(screen(), Map.of()).close();
                GuacdHandshake join = guacd.awaitHandshake(Duration.ofSeconds(5));
                assertEquals(session.connectionId(), join.protocol(), "support joins the live session, never the VM");
                assertEquals("true", join.parameters().get("read-only"));
                seen.merge("support views joined", 1, Integer::sum);
                joins++;
            }
        }
        for (Session session : live.values()) {
            ActiveConnection active = session.context().getActiveConnectionDirectory().getAll(
                    session.context().getActiveConnectionDirectory().getIdentifiers()).stream()
                    .filter(a -> a.getTunnel().getUUID().equals(session.tunnel().getUUID())).findFirst().orElseThrow();
            String desktopId = active.getConnectionIdentifier();
            for (String mode : List.of("view", "full")) {
                String key = active.getSharingCredentials(desktopId + "~" + mode).getValues().get("heps_share");
                Login link = guacamole.login(TestRequest.builder().parameter("heps_share", key)
                        .remoteAddress("198.51.100.9").build());
                List<UserContext> offered = link.userContexts();
                Set<String> everything = new TreeSet<>();
                for (UserContext c : offered) {
                    everything.addAll(c.getConnectionDirectory().getIdentifiers());
                }
                assertEquals(Set.of(desktopId + "~" + mode), everything, "a link opens its one session, nothing else");
                UserContext linkContext = offered.stream()
                        .filter(c -> "heps-vm-resolver".equals(c.getAuthenticationProvider().getIdentifier()))
                        .findFirst().orElseThrow();
                linkContext.getConnectionDirectory().get(desktopId + "~" + mode).connect(screen(), Map.of()).close();
                GuacdHandshake join = guacd.awaitHandshake(Duration.ofSeconds(5));
                assertEquals(session.connectionId(), join.protocol());
                assertEquals(mode.equals("view") ? "true" : "", join.parameters().get("read-only"), mode);
                seen.merge("share links joined", 1, Integer::sum);
                joins++;
                for (String other : List.of(desktopId, desktopId + "~" + (mode.equals("view") ? "full" : "view"))) {
                    assertNull(linkContext.getConnectionDirectory().get(other), "a " + mode + " link reaches " + other);
                }
            }
        }
        assertEquals(joins, reportedJoins(joins), "every join reaches the agent's audit channel");

        // 4. A grant taken away after sign-in is refused at connect; the owner's session ends its links.
        for (Map.Entry<String, UserContext> entry : contexts.entrySet()) {
            String user = entry.getKey();
            for (String id : entry.getValue().getConnectionDirectory().getIdentifiers()) {
                if (id.endsWith("~view")) {
                    continue;
                }
                Desktop d = world.desktop(id);
                if (d.owner().equals(user) || !d.running() || d.expired(now)) {
                    continue;
                }
                NovaStandIn.Server server = nova.get(id);
                Set<String> revoked = new TreeSet<>(server.tags());
                revoked.remove("heps-user:" + user);
                revoked.removeIf(tag -> tag.startsWith("heps-group:"));
                nova.put(new NovaStandIn.Server(server.id(), server.name(), server.status(), revoked, server.metadata(),
                        server.address()));
                GuacamoleTunnel tunnel = entry.getValue().getConnectionDirectory().get(id).connect(screen(), Map.of());
                guacd.awaitHandshake(Duration.ofSeconds(5));
                Optional<Throwable> refused = firstRead(tunnel, Duration.ofSeconds(10));
                tunnel.close();
                assertInstanceOf(GuacamoleSecurityException.class, refused.orElse(null),
                        user + " keeps " + id + " after the grant was taken away");
                seen.merge("grants taken away and refused", 1, Integer::sum);
                nova.put(server);
            }
        }
        for (Session session : live.values()) {
            ActiveConnection active = session.context().getActiveConnectionDirectory().getAll(
                    session.context().getActiveConnectionDirectory().getIdentifiers()).stream()
                    .filter(a -> a.getTunnel().getUUID().equals(session.tunnel().getUUID())).findFirst().orElseThrow();
            String key = active.getSharingCredentials(active.getConnectionIdentifier() + "~view").getValues()
                    .get("heps_share");
            session.tunnel().close();
            assertThrows(GuacamoleCredentialsException.class, () -> guacamole.login(
                    TestRequest.withParameter("heps_share", key)), "a link outlives its session");
        }
        for (Map.Entry<String, UserContext> entry : contexts.entrySet()) {
            for (String id : entry.getValue().getConnectionDirectory().getIdentifiers()) {
                if (id.endsWith("~view")) {
                    assertThrows(GuacamoleResourceNotFoundException.class,
                            () -> entry.getValue().getConnectionDirectory().get(id).connect(screen(), Map.of()),
                            "nothing to watch once the session ended");
                }
            }
        }
        seen.put("desktops woken for their owner", woken.size());
        System.out.println("Access invariant, seed " + seed + ": " + world.users().size() + " users, "
                + world.desktops().size() + " desktops; " + seen);
        for (String exercised : List.of("desktops offered", "views offered", "desktops opened", "support views joined",
                "share links joined", "grants taken away and refused", "opens refused after the beamtime")) {
            assertTrue(seen.getOrDefault(exercised, 0) > 0, "seed " + seed + " exercised nothing of: " + exercised);
        }
    }

    /** Joins the agent heard of, waiting until it has heard of {@code expected} (or ten seconds). */
    private static int reportedJoins(int expected) throws InterruptedException {
        int heard = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (heard < expected && System.nanoTime() < deadline) {
            try {
                JsonNode report = agent.next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))).report();
                heard += report.path("joins").size();
            } catch (AssertionError noMoreReports) {
                break;
            }
        }
        return heard;
    }
}
