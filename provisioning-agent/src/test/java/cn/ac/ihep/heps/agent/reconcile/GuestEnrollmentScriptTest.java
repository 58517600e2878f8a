package cn.ac.ihep.heps.agent.reconcile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import cn.ac.ihep.heps.agent.accounts.ComputerAccounts;
import cn.ac.ihep.heps.agent.api.ApiServer;
import cn.ac.ihep.heps.agent.config.DirectoryServer;
import cn.ac.ihep.heps.agent.secrets.SecretBox;
import cn.ac.ihep.heps.agent.secrets.SiteKey;
import cn.ac.ihep.heps.testsupport.ldap.SambaAdTestBed;
import cn.ac.ihep.heps.agent.api.BearerTokens;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.desktop.EnrollmentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentInput;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the enrollment script from the rendered Linux user data with {@code sh}, as the guest
 * runs it at first boot: it asks a metadata service for its server id, fetches its VNC password
 * from the agent's real API (address check on), and writes the password file with TigerVNC's
 * {@code vncpasswd}. Only the paths change: {@code /etc/heps} becomes a directory of the test's
 * own and the metadata service listens on loopback instead of 169.254.169.254. Needs Debian's
 * {@code tigervnc-tools} and {@code curl} (.ci/run installs them).
 */
class GuestEnrollmentScriptTest {
    private static final String SITE_SECRET = "a-site-secret-of-at-least-16-bytes";
    private static final String SERVER_ID = "2f0c7d84-5b7e-4a51-9c1e-" + String.format("%012d", System.nanoTime() % 1_000_000_000_000L);

    @TempDir
    Path guest;

    private TestDatabase db;
    private ApiServer api;
    private HttpServer metadata;
    private final AtomicInteger metadataRequests = new AtomicInteger();
    private volatile boolean metadataDown;

    @BeforeEach
    void start() throws IOException {
        db = TestDatabase.create(GuestEnrollmentScriptTest.class);
        DesktopRepository desktops = new DesktopRepository();
        EnrollmentService enrollment = new EnrollmentService(db.database(), desktops, new AuditLog(),
                new VncPasswordDerivation(SITE_SECRET), Clock.systemUTC());
        api = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), new ApiServer.Services(null, db.database(),
                desktops, enrollment, null, null, new AgentMetrics(), new BearerTokens(List.of("unused-token")), true),
                null, false);
        metadata = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        metadata.createContext("/openstack/latest/meta_data.json", exchange -> {
            metadataRequests.incrementAndGet();
            if (metadataDown) {
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
                return;
            }
            byte[] body = ("{\"uuid\": \"" + SERVER_ID + "\", \"name\": \"heps-b1-p-700-hana\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        metadata.start();
    }

    @AfterEach
    void stop() {
        metadata.stop(0);
        api.close();
        db.close();
    }

    /** The desktop row as the reconcile loop leaves it after the boot request: token hash, server id, address. */
    private void recordDesktop(String token) {
        recordDesktop(token, null);
    }

    /** The same, with the sealed one-time password of the computer account the pass pre-staged. */
    private long recordDesktop(String token, java.util.function.LongFunction<byte[]> joinPassword) {
        CloudProvider cloud = org.mockito.Mockito.mock(CloudProvider.class);
        org.mockito.Mockito.when(cloud.findFlavor("heps.desktop.cpu")).thenReturn(Optional.of(
                new CloudFlavor("f1", "heps.desktop.cpu", 2, 2048, 10, Map.of())));
        new ExperimentService(db.database(), new ExperimentRepository(), new AuditLog(),
                new ExperimentValidator(List.of("B1"), cloud), Clock.systemUTC())
                .apply(new ExperimentInput("P-700", "B1", null, "2026-12-01T08:00:00Z", "2026-12-02T08:00:00Z",
                        new ExperimentInput.DesktopInput("linux", 0, "heps.desktop.cpu", null), List.of("hana")), "test");
        DesktopRepository desktops = new DesktopRepository();
        return db.database().inTransaction(c -> {
            long experimentId = new ExperimentRepository().find(c, "P-700").orElseThrow().id();
            long id = desktops.insert(c, experimentId, "hana", "heps-b1-p-700-hana", 0, Instant.now());
            desktops.update(id).serverId(SERVER_ID).state(DesktopState.CREATING).address("127.0.0.1")
                    .enrollmentTokenHash(EnrollmentService.hash(token))
                    .joinPassword(joinPassword == null ? null : joinPassword.apply(id)).execute(c, Instant.now());
            return id;
        });
    }

    /** Writes the user data's enrollment files into the guest directory and returns the script. */
    private Path install(String token, int attempts) throws IOException {
        String rendered = new UserDataRenderer(Optional.empty()).render(new UserDataRenderer.Values("linux",
                "heps-b1-p-700-hana", ServerNaming.hostname("linux", false, "B1", "P-700", "hana"), "B1", "P-700", "hana",
                "vnc", api.baseUri(false).toString().replaceAll("/$", ""), token, Optional.empty(), Optional.empty(),
                List.of()));
        JsonNode files = new ObjectMapper(new YAMLFactory()).readTree(rendered).get("write_files");
        Path etc = Files.createDirectories(guest.resolve("etc/heps"));
        String script = null;
        for (JsonNode file : files) {
            String path = file.get("path").asText();
            String content = file.get("content").asText();
            if (path.equals("/etc/heps/enrollment.env")) {
                Files.writeString(etc.resolve("enrollment.env"), content);
            } else if (path.equals("/usr/local/sbin/heps-enroll")) {
                script = content;
            }
        }
        assertNotNull(script, "the user data installs /usr/local/sbin/heps-enroll: " + rendered);
        String local = script.replace("/etc/heps/", etc + "/")
                .replace("/var/lib/cloud/data/instance-id", guest.resolve("instance-id").toString())
                .replace("http://169.254.169.254", "http://127.0.0.1:" + metadata.getAddress().getPort())
                .replace("seq 1 60", "seq 1 " + attempts)
                .replace("sleep 10", "sleep 1");
        Path installed = guest.resolve("heps-enroll");
        Files.writeString(installed, local);
        return installed;
    }

    private record Run(int exitCode, String output) {
    }

    private static Run run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within 60 s");
        }
        return new Run(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static void requireGuestTools() throws Exception {
        for (String tool : List.of("vncpasswd", "curl", "python3")) {
            if (run("sh", "-c", "command -v " + tool).exitCode() != 0) {
                fail(tool + " is missing: apt-get install tigervnc-tools curl python3 (.ci/run does)");
            }
        }
    }

    /** A desktop recorded with a fresh token and its guest's enrollment script, which tries {@code attempts} times. */
    private Path enrollableGuest(int attempts) throws Exception {
        requireGuestTools();
        String token = EnrollmentService.newToken();
        recordDesktop(token);
        return install(token, attempts);
    }

    @Test
    void theGuestFetchesItsVncPasswordOnceAndWritesItForTheVncServer() throws Exception {
        Path script = enrollableGuest(3);

        Run first = run("sh", script.toString());
        assertEquals(0, first.exitCode(), first.output());
        Path passwordFile = guest.resolve("etc/heps/vncpasswd");
        assertTrue(Files.isRegularFile(passwordFile), first.output());
        assertFalse(Files.exists(guest.resolve("etc/heps/enrollment.env")), "the one-time token is gone");

        // The file holds exactly what vncpasswd makes of the password the VM resolver derives.
        String expected = new VncPasswordDerivation(SITE_SECRET).passwordFor(SERVER_ID);
        Process reference = new ProcessBuilder("vncpasswd", "-f").start();
        reference.getOutputStream().write((expected + "\n").getBytes(StandardCharsets.UTF_8));
        reference.getOutputStream().close();
        byte[] referenceBytes = reference.getInputStream().readAllBytes();
        assertEquals(0, reference.waitFor());
        assertArrayEquals(referenceBytes, Files.readAllBytes(passwordFile));

        Instant enrolled = db.database().inTransaction(c -> new DesktopRepository().enrollment(c, SERVER_ID))
                .orElseThrow().enrolledAt();
        assertNotNull(enrolled, "the agent recorded the enrollment");

        // A reboot runs the script again: without its token file it does nothing.
        Run again = run("sh", script.toString());
        assertEquals(0, again.exitCode(), again.output());
        assertArrayEquals(referenceBytes, Files.readAllBytes(passwordFile));
    }

    @Test
    void theServerIdCloudInitRecordedSparesTheMetadataService() throws Exception {
        Path script = enrollableGuest(2);
        Files.writeString(guest.resolve("instance-id"), SERVER_ID + "\n");
        metadataDown = true;

        Run enrolled = run("sh", script.toString());
        assertEquals(0, enrolled.exitCode(), enrolled.output());
        assertTrue(Files.isRegularFile(guest.resolve("etc/heps/vncpasswd")), enrolled.output());
        assertEquals(0, metadataRequests.get(), "the metadata service was not asked");
        assertFalse(Files.exists(guest.resolve("etc/heps/enrollment-answer")), "no copy of the answer left");
    }

    @Test
    void anInstanceIdThatIsNoServerIdSendsTheGuestToTheMetadataService() throws Exception {
        Path script = enrollableGuest(2);
        // A NoCloud seed names its instance freely.
        Files.writeString(guest.resolve("instance-id"), "iid-local01\n");

        Run enrolled = run("sh", script.toString());
        assertEquals(0, enrolled.exitCode(), enrolled.output());
        assertTrue(Files.isRegularFile(guest.resolve("etc/heps/vncpasswd")), enrolled.output());
        assertEquals(1, metadataRequests.get());
    }

    @Test
    void aGuestWithTheWrongTokenGetsNothingAndSaysSo() throws Exception {
        requireGuestTools();
        recordDesktop(EnrollmentService.newToken());
        Path script = install(EnrollmentService.newToken(), 2);

        Run refused = run("sh", script.toString());
        assertEquals(1, refused.exitCode(), refused.output());
        assertTrue(refused.output().contains("did not hand out the VNC password"), refused.output());
        assertFalse(Files.exists(guest.resolve("etc/heps/vncpasswd")));
        assertTrue(Files.exists(guest.resolve("etc/heps/enrollment.env")), "kept for the next boot");
    }

    @Test
    void aGuestThatJoinsTheDomainGivesAdcliTheOneTimePasswordOnStdinNeverOnItsCommandLine() throws Exception {
        requireGuestTools();
        SambaAdTestBed ad = SambaAdTestBed.require();
        String ou = ad.createOrganizationalUnit("heps-guest-join-test");
        try {
            ComputerAccounts computers = new ComputerAccounts(new DirectoryServer(ad.url(), ad.bindDn(),
                    ad.bindPassword(), ou, ou, Optional.of(ad.caFile()), java.time.Duration.ofSeconds(5)), "heps.test",
                    Optional.of(ou), new SecretBox(SiteKey.loadOrCreate(guest.resolve("site-key"))));
            String computer = ServerNaming.computerName("P-700", "hana").toUpperCase(java.util.Locale.ROOT);
            String token = EnrollmentService.newToken();
            recordDesktop(token, id -> computers.prestage(id, computer));
            // The agent of this test hands out domain joins.
            api.close();
            api = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), new ApiServer.Services(null, db.database(),
                    new DesktopRepository(), new EnrollmentService(db.database(), new DesktopRepository(), new AuditLog(),
                            new VncPasswordDerivation(SITE_SECRET), Optional.of(computers), Clock.systemUTC()),
                    null, null, new AgentMetrics(), new BearerTokens(List.of("unused-token")), true), null, false);
            Path script = install(token, 3);
            // adcli at the edge: a stand-in that keeps what it was given.
            Path bin = Files.createDirectories(guest.resolve("bin"));
            Files.writeString(bin.resolve("adcli"), "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + guest.resolve("adcli.args")
                    + "'\ncat > '" + guest.resolve("adcli.stdin") + "'\n");
            Files.setPosixFilePermissions(bin.resolve("adcli"), java.nio.file.attribute.PosixFilePermissions
                    .fromString("rwx------"));

            Run joined = run("env", "PATH=" + bin + ":" + System.getenv("PATH"), "sh", script.toString());
            assertEquals(0, joined.exitCode(), joined.output());
            List<String> args = Files.readAllLines(guest.resolve("adcli.args"));
            assertEquals(List.of("join", "--login-type=computer", "--stdin-password", "--domain=heps.test",
                    "--computer-name=" + computer), args.subList(0, 5), args.toString());
            String once = Files.readString(guest.resolve("adcli.stdin"));
            assertTrue(ad.accepts("CN=" + computer + "," + ou, once), "adcli got the computer account's password");
            assertFalse(String.join(" ", args).contains(once), "never on the command line");
            assertFalse(Files.exists(guest.resolve("etc/heps/enrollment-answer")), "no copy left on the guest's disk");
            assertNull(db.database().inTransaction(c -> new DesktopRepository().enrollment(c, SERVER_ID))
                    .orElseThrow().joinPassword(), "the agent forgot it");
        } finally {
            ad.deleteTree(ou);
        }
    }
}
