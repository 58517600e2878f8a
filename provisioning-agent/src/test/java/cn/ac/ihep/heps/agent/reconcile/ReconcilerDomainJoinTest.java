package cn.ac.ihep.heps.agent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import cn.ac.ihep.heps.agent.accounts.ComputerAccounts;
import cn.ac.ihep.heps.agent.config.DirectoryServer;
import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.desktop.EnrollmentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentInput;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.firewall.ReadySecurityGroup;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.secrets.SecretBox;
import cn.ac.ihep.heps.agent.secrets.SiteKey;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerRequest;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
import cn.ac.ihep.heps.testsupport.ldap.SambaAdTestBed;
import cn.ac.ihep.heps.testsupport.time.MutableClock;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Windows desktop that joins the domain, from the reconcile pass to the guest's enrollment:
 * the agent pre-stages its computer account in the Samba AD test bed with a random one-time
 * password before the boot request, keeps it sealed with the desktop, hands it out once at
 * enrollment and forgets it. Nova is isolated at its edge (a mock that boots whatever it is
 * asked); the database is the real PostgreSQL.
 */
class ReconcilerDomainJoinTest {
    private static final Instant NOW = Instant.parse("2026-12-01T08:00:00Z");
    private static final String SITE_SECRET = "a-site-secret-of-at-least-16-bytes";
    private static final Pattern TOKEN = Pattern.compile("\\$HepsEnrollmentToken = '([^']+)'");

    @TempDir
    Path dir;

    private TestDatabase db;
    private SambaAdTestBed ad;
    private String ou;
    private CloudProvider cloud;
    private final List<ServerRequest> requests = new CopyOnWriteArrayList<>();
    private final MutableClock clock = new MutableClock(NOW);

    @BeforeEach
    void setUp() throws Exception {
        ad = SambaAdTestBed.require();
        ou = ad.createOrganizationalUnit("heps-join-test");
        db = TestDatabase.create(ReconcilerDomainJoinTest.class);
        cloud = mock(CloudProvider.class);
        when(cloud.listServers(any())).thenReturn(List.of());
        when(cloud.findFlavor(anyString())).thenReturn(Optional.of(
                new CloudFlavor("f-cpu", "heps.desktop.cpu", 2, 4096, 20, Map.of())));
        when(cloud.listImages(anyMap())).thenReturn(List.of(new CloudImage("img-w", "b1-windows", "active",
                Map.of(ImageProperties.BEAMLINE, "B1", ImageProperties.OS_TYPE, "windows"),
                NOW.minus(Duration.ofDays(1)))));
        when(cloud.createServer(any(ServerRequest.class))).thenAnswer(call -> {
            ServerRequest request = call.getArgument(0);
            requests.add(request);
            return new CloudServer("server-" + requests.size(), request.name(), ServerState.BUILDING, request.tags(),
                    request.metadata(), Map.of(), null, request.flavorId(), request.imageId(), null, NOW);
        });
        new ExperimentService(db.database(), new ExperimentRepository(), new AuditLog(),
                new ExperimentValidator(List.of("B1"), cloud), clock)
                .apply(new ExperimentInput("P-W1", "B1", null, "2026-12-01T07:00:00Z", "2026-12-02T08:00:00Z",
                        new ExperimentInput.DesktopInput("windows", 0, "heps.desktop.cpu", null), List.of("wen")), "test");
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            ad.deleteTree(ou);
        } finally {
            db.close();
        }
    }

    private ComputerAccounts computers(URI url) {
        return new ComputerAccounts(new DirectoryServer(url, ad.bindDn(), ad.bindPassword(), ou, ou,
                Optional.of(ad.caFile()), Duration.ofSeconds(3)), "heps.test", Optional.of(ou),
                new SecretBox(SiteKey.loadOrCreate(dir.resolve("key"))));
    }

    private Reconciler reconciler(ComputerAccounts computers) {
        ReconcileSettings settings = new ReconcileSettings("agent-test", Duration.ofMinutes(30), Duration.ofDays(7),
                Duration.ofMinutes(15), Duration.ofMinutes(5), "heps-vm-network", ReadySecurityGroup.existsIn(cloud),
                Optional.empty(), "http://10.42.0.1:8640", Optional.of("heps.test"), Optional.of(ou), List.of(),
                Optional.empty(), 25);
        return new Reconciler(db.database(), new ExperimentRepository(), new DesktopRepository(), new AuditLog(), cloud,
                new Notifier(Optional.empty()), new AgentMetrics(), settings, clock, Optional.of(computers));
    }

    private Desktop desktop() {
        return db.database().inTransaction(c -> new DesktopRepository().findByReference(c, "P-W1/wen")).orElseThrow();
    }

    @Test
    void theComputerAccountIsPreStagedBeforeTheBootAndItsOneTimePasswordIsHandedOutOnce() throws Exception {
        ComputerAccounts computers = computers(ad.url());
        reconciler(computers).reconcile();

        assertEquals(1, requests.size());
        String userData = requests.get(0).userData();
        String computerName = ServerNaming.computerName("P-W1", "wen");
        assertTrue(userData.contains("Add-Computer -DomainName $answer.domainJoin.domain"), userData);
        Matcher token = TOKEN.matcher(userData);
        assertTrue(token.find(), "the Windows user data carries an enrollment token: " + userData);
        String dn = "CN=" + computerName.toUpperCase(java.util.Locale.ROOT) + "," + ou;
        try (var connection = ad.connect()) {
            assertNotNull(connection.getEntry(dn), "pre-staged before the boot request");
        }

        // The guest enrolls from its own address and gets the join once.
        Desktop desktop = desktop();
        db.database().inTransaction(c -> new DesktopRepository().update(desktop.id()).address("10.42.0.9")
                .execute(c, NOW));
        EnrollmentService enrollment = new EnrollmentService(db.database(), new DesktopRepository(), new AuditLog(),
                new VncPasswordDerivation(SITE_SECRET), Optional.of(computers), clock);
        EnrollmentService.Result granted = enrollment.enroll(desktop.serverId(), token.group(1), "10.42.0.9", true);
        assertEquals(EnrollmentService.Outcome.GRANTED, granted.outcome());
        assertEquals(computerName.toUpperCase(java.util.Locale.ROOT), granted.domainJoin().computerName());
        assertEquals("heps.test", granted.domainJoin().domain());
        assertTrue(ad.accepts(dn, granted.domainJoin().password()), "the one-time password is the account's");
        assertFalse(ad.accepts(dn, computerName.toLowerCase(java.util.Locale.ROOT)));
        assertFalse(userData.contains(granted.domainJoin().password()), "never in the user data");

        byte[] kept = db.database().inTransaction(c -> new DesktopRepository().enrollment(c, desktop.serverId()))
                .orElseThrow().joinPassword();
        assertNull(kept, "the agent forgets it once handed out");
        assertEquals(EnrollmentService.Outcome.ALREADY_ENROLLED,
                enrollment.enroll(desktop.serverId(), token.group(1), "10.42.0.9", true).outcome());
    }

    @Test
    void whenAdCannotBeReachedTheDesktopIsHeldAndNothingBoots() throws Exception {
        // Nothing listens on port 1: the directory is unreachable.
        reconciler(computers(URI.create("ldaps://127.0.0.1:1"))).reconcile();
        verify(cloud, never()).createServer(any());
        Desktop held = desktop();
        assertEquals(DesktopState.HELD, held.state());
        assertTrue(held.reason().contains("cannot pre-stage the computer account"), held.reason());

        // Once AD answers, the next pass goes on.
        reconciler(computers(ad.url())).reconcile();
        assertEquals(1, requests.size());
        assertNotNull(db.database().inTransaction(c -> new DesktopRepository().enrollment(c, "server-1"))
                .orElseThrow().joinPassword());
    }
}
