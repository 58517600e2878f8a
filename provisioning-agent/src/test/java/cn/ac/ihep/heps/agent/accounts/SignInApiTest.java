package cn.ac.ihep.heps.agent.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import cn.ac.ihep.heps.agent.activity.ActivityService;
import cn.ac.ihep.heps.agent.api.ApiServer;
import cn.ac.ihep.heps.agent.api.BearerTokens;
import cn.ac.ihep.heps.agent.desktop.DesktopSignIn;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.secrets.SecretBox;
import cn.ac.ihep.heps.agent.secrets.SiteKey;
import cn.ac.ihep.heps.agent.store.ActivityRepository;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/desktop-sign-in} over real HTTP, with the agent's real accounts in the Samba AD
 * test bed and PostgreSQL: only the desktop's owner, only with a credential token, never in a
 * listing or a log line.
 */
class SignInApiTest {
    private static final String API_TOKEN = "api-" + System.nanoTime();
    private static final String ACTIVITY_TOKEN = "activity-" + System.nanoTime();
    private static final String CREDENTIAL_TOKEN = "credential-" + System.nanoTime();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private AccountsTestBed bed;
    private AccountPasswords passwords;
    private DesktopSignIn signIn;
    private ApiServer api;
    private ListAppender<ILoggingEvent> log;
    private String ann;
    private String bob;
    private final List<String> handedOut = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        log = new ListAppender<>();
        log.start();
        root().addAppender(log);
        bed = new AccountsTestBed(SignInApiTest.class);
        AccountSettings settings = bed.settings(Optional.of(bed.ldapServer()), Optional.of(bed.adServer()));
        passwords = new AccountPasswords(bed.db.database(), new AuditLog(), settings,
                new SignInSettings(true, Duration.ofHours(1), "heps.test"),
                new SecretBox(SiteKey.loadOrCreate(dir.resolve("key"))), Clock.systemUTC());
        ann = bed.user("ann");
        bob = bed.user("bob");
        bed.experiment("P-" + bed.suffix, "exp-" + bed.suffix, ann, bob);
        DirectoryAccounts accounts = new DirectoryAccounts(bed.db.database(), bed.experiments, new AuditLog(), settings,
                Clock.systemUTC(), passwords);
        assertTrue(accounts.sync().succeeded());
        DesktopRepository desktops = new DesktopRepository();
        bed.db.database().inTransaction(c -> {
            long experimentId = bed.experiments.find(c, "P-" + bed.suffix).orElseThrow().id();
            for (String member : List.of(ann, bob)) {
                long id = desktops.insert(c, experimentId, member, "b1-" + member, 0, java.time.Instant.now());
                desktops.update(id).serverId("server-" + member).state(DesktopState.RUNNING).execute(c,
                        java.time.Instant.now());
            }
            return null;
        });
        signIn = new DesktopSignIn(bed.db.database(), desktops, passwords);
        api = start(new InetSocketAddress("127.0.0.1", 0), false, accounts, desktops);
    }

    private ApiServer start(InetSocketAddress address, boolean plainHttpAllowed, DirectoryAccounts accounts,
            DesktopRepository desktops) throws Exception {
        ActivityService activity = new ActivityService(bed.db.database(), new ActivityRepository(),
                new BearerTokens(List.of(ACTIVITY_TOKEN)), ids -> List.of(), passwords::sessionEnded, Clock.systemUTC());
        return ApiServer.start(address, new ApiServer.Services(null, bed.db.database(), desktops, null, accounts, null,
                new AgentMetrics(), new BearerTokens(List.of(API_TOKEN)), false, activity,
                new ApiServer.SignInAccess(signIn, new BearerTokens(List.of(CREDENTIAL_TOKEN)), plainHttpAllowed)),
                null, false);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            api.close();
            bed.close();
        } finally {
            root().detachAppender(log);
        }
        // Whatever happened, no password was written to the log.
        for (ILoggingEvent event : log.list) {
            String line = event.getFormattedMessage() + (event.getThrowableProxy() == null ? ""
                    : event.getThrowableProxy().getMessage());
            for (String password : handedOut) {
                assertFalse(line.contains(password), "a log line holds a password: " + line);
            }
        }
    }

    private HttpResponse<String> signIn(URI base, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/v1/desktop-sign-in"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
            handedOut.add(JSON.readTree(response.body()).get("password").asText());
        }
        return response;
    }

    private HttpResponse<String> signIn(String serverId, String username, String token) throws Exception {
        return signIn(api.baseUri(false), JSON.writeValueAsString(Map.of("serverId", serverId, "username", username)),
                token);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(api.baseUri(false).resolve(path)).header("Authorization", "Bearer "
                + API_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theOwnerGetsTheirSignInWhichTheDomainAcceptsAndNobodyCachesIt() throws Exception {
        HttpResponse<String> response = signIn("server-" + ann, ann, CREDENTIAL_TOKEN);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("no-store", response.headers().firstValue("Cache-Control").orElse(""));
        JsonNode answer = JSON.readTree(response.body());
        assertEquals(ann, answer.get("username").asText());
        assertEquals("heps.test", answer.get("domain").asText());
        assertEquals(3, answer.size(), response.body());
        assertTrue(bed.ad.accepts(bed.adAccount(ann).getDN(), answer.get("password").asText()));
    }

    @Test
    void anotherUsersNameOrDesktopNeverYieldsTheOwnersSignIn() throws Exception {
        String annPassword = passwords.handOut(ann, "test").orElseThrow();
        handedOut.add(annPassword);
        List<HttpResponse<String>> refused = List.of(
                signIn("server-" + ann, bob, CREDENTIAL_TOKEN),   // bob names himself on ann's desktop
                signIn("server-" + bob, ann, CREDENTIAL_TOKEN),   // ann's name on bob's desktop
                signIn("server-nobody", ann, CREDENTIAL_TOKEN));  // a desktop the agent does not know
        for (HttpResponse<String> response : refused) {
            assertEquals(403, response.statusCode(), response.body());
            assertFalse(response.body().contains(annPassword));
            assertEquals("No sign-in for this user on this desktop", JSON.readTree(response.body()).get("error").asText());
        }
        // A deleted desktop is nobody's any more.
        bed.db.database().inTransaction(c -> {
            long id = new DesktopRepository().findByServerId(c, "server-" + ann).orElseThrow().id();
            return new DesktopRepository().update(id).state(DesktopState.DELETED).execute(c, java.time.Instant.now());
        });
        assertEquals(403, signIn("server-" + ann, ann, CREDENTIAL_TOKEN).statusCode());
    }

    @Test
    void onlyACredentialTokenOpensTheRoute() throws Exception {
        for (String token : new String[] {ACTIVITY_TOKEN, API_TOKEN, "guess", null}) {
            HttpResponse<String> refused = signIn("server-" + ann, ann, token);
            assertEquals(401, refused.statusCode(), token + ": " + refused.body());
            assertTrue(refused.headers().firstValue("WWW-Authenticate").isPresent());
            assertFalse(refused.body().contains("password\""), refused.body());
        }
        // And the credential token opens nothing else.
        HttpResponse<String> accounts = HTTP.send(HttpRequest.newBuilder(api.baseUri(false).resolve("/v1/accounts"))
                .header("Authorization", "Bearer " + CREDENTIAL_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, accounts.statusCode());
    }

    @Test
    void badRequestsAreRefusedClearlyAndChangeNothing() throws Exception {
        URI base = api.baseUri(false);
        assertEquals(400, signIn(base, "{\"serverId\": \"server-" + ann + "\"}", CREDENTIAL_TOKEN).statusCode());
        assertEquals(400, signIn(base, JSON.writeValueAsString(Map.of("serverId", "server-" + ann, "username",
                ann + "\n")), CREDENTIAL_TOKEN).statusCode());
        assertEquals(400, signIn(base, JSON.writeValueAsString(Map.of("serverId", "s".repeat(65), "username", ann)),
                CREDENTIAL_TOKEN).statusCode());
        HttpResponse<String> unknown = signIn(base, "{\"serverId\": \"a\", \"username\": \"b\", \"password\": \"x\"}",
                CREDENTIAL_TOKEN);
        assertEquals(400, unknown.statusCode());
        assertTrue(unknown.body().contains("unknown field"), unknown.body());
        assertEquals(400, signIn(base, "not json", CREDENTIAL_TOKEN).statusCode());
        assertEquals(413, signIn(base, "{\"serverId\": \"" + "x".repeat(300_000) + "\"}", CREDENTIAL_TOKEN)
                .statusCode());
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(base.resolve("/v1/desktop-sign-in"))
                .header("Authorization", "Bearer " + CREDENTIAL_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
        assertEquals(200, signIn("server-" + ann, ann, CREDENTIAL_TOKEN).statusCode(), "and the owner still gets in");
    }

    @Test
    void anAccountTheAgentDoesNotOwnGetsNoSignInAndThePromptStays() throws Exception {
        // carl's AD account existed before the agent numbered it: he knows its password.
        String carl = bed.user("carl");
        try (LDAPConnection connection = bed.ad.connect()) {
            connection.add(new Entry("CN=" + carl + "," + bed.adUsers,
                    new Attribute("objectClass", "top", "person", "organizationalPerson", "user"),
                    new Attribute("sAMAccountName", carl)));
        }
        bed.experiment("P-c-" + bed.suffix, "exp-c-" + bed.suffix, carl);
        DirectoryAccounts accounts = new DirectoryAccounts(bed.db.database(), bed.experiments, new AuditLog(),
                bed.settings(Optional.of(bed.ldapServer()), Optional.of(bed.adServer())), Clock.systemUTC(), passwords);
        assertTrue(accounts.sync().succeeded());
        DesktopRepository desktops = new DesktopRepository();
        bed.db.database().inTransaction(c -> {
            long experimentId = bed.experiments.find(c, "P-c-" + bed.suffix).orElseThrow().id();
            long id = desktops.insert(c, experimentId, carl, "b1-" + carl, 0, java.time.Instant.now());
            return desktops.update(id).serverId("server-" + carl).state(DesktopState.RUNNING)
                    .execute(c, java.time.Instant.now());
        });
        HttpResponse<String> response = signIn("server-" + carl, carl, CREDENTIAL_TOKEN);
        assertEquals(404, response.statusCode(), response.body());
        assertTrue(response.body().contains("keeps no sign-in password"), response.body());
    }

    @Test
    void noListingOrMetricShowsAPassword() throws Exception {
        String password = JSON.readTree(signIn("server-" + ann, ann, CREDENTIAL_TOKEN).body()).get("password").asText();
        for (String path : List.of("/v1/accounts", "/v1/accounts/" + ann, "/v1/desktops?includeDeleted=true", "/metrics",
                "/openapi.json")) {
            HttpResponse<String> listing = get(path);
            assertEquals(200, listing.statusCode(), path + ": " + listing.body());
            assertFalse(listing.body().contains(password), path);
            assertFalse(listing.body().contains("pending") && listing.body().contains("sealed"), path);
        }
    }

    @Test
    void plainHttpFromAnotherMachineGetsNoSignInUnlessTheSiteAllowsIt() throws Exception {
        InetAddress address = nonLoopbackAddress();
        assumeTrue(address != null, "this machine has no IPv4 address besides loopback to call from");
        DirectoryAccounts accounts = new DirectoryAccounts(bed.db.database(), bed.experiments, new AuditLog(),
                bed.settings(Optional.of(bed.ldapServer()), Optional.of(bed.adServer())), Clock.systemUTC(), passwords);
        try (ApiServer strict = start(new InetSocketAddress(address, 0), false, accounts, new DesktopRepository());
                ApiServer allowing = start(new InetSocketAddress(address, 0), true, accounts, new DesktopRepository())) {
            String body = JSON.writeValueAsString(Map.of("serverId", "server-" + ann, "username", ann));
            HttpResponse<String> refused = signIn(strict.baseUri(false), body, CREDENTIAL_TOKEN);
            assertEquals(403, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("HTTPS"), refused.body());
            assertEquals(200, signIn(allowing.baseUri(false), body, CREDENTIAL_TOKEN).statusCode());
        }
    }

    private static InetAddress nonLoopbackAddress() throws Exception {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                    return address;
                }
            }
        }
        return null;
    }
}
