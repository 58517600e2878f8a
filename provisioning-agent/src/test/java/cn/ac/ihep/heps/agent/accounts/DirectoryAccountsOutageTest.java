package cn.ac.ihep.heps.agent.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.testsupport.net.CuttableTcpProxy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Directory accounts when things go wrong: two agents at once on one PostgreSQL database, a
 * directory that is down, and one that hangs (behind a TCP proxy that stalls).
 */
class DirectoryAccountsOutageTest {
    private AccountsTestBed bed;

    @BeforeEach
    void setUp() throws Exception {
        bed = new AccountsTestBed(DirectoryAccountsOutageTest.class);
    }

    @AfterEach
    void tearDown() throws Exception {
        bed.close();
    }

    private List<AccountView> withNumbers() {
        return bed.agent().list().stream().filter(v -> v.uidNumber() != null).toList();
    }

    @Test
    void twoAgentsSyncingAtOnceHandOutOneNumberPerMember() throws Exception {
        List<String> members = new ArrayList<>();
        for (String name : List.of("ka", "kb", "kc", "kd", "ke", "kf")) {
            members.add(bed.user(name));
        }
        String group = "exp-race-" + bed.suffix;
        bed.experiment("P-R-" + bed.suffix, group, members.toArray(String[]::new));
        // Two agents: each its own Database (own connections) on the same PostgreSQL database.
        AccountSettings settings = bed.settings(Optional.of(bed.ldapServer()), Optional.of(bed.adServer()));
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        List<Future<SyncReport>> reports = new ArrayList<>();
        List<Database> databases = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Database database = new Database(bed.db.url(), TestDatabase.USER, "");
                databases.add(database);
                DirectoryAccounts agent = bed.agent(database, settings);
                reports.add(threads.submit(() -> {
                    start.await();
                    return agent.sync();
                }));
            }
            for (Future<SyncReport> report : reports) {
                SyncReport done = report.get();
                assertTrue(done.succeeded(), "the agent that came second looks again instead of failing: " + done);
            }
        } finally {
            threads.shutdownNow();
            databases.forEach(Database::close);
        }

        // Whatever the interleaving, a pass afterwards finds everything in order.
        SyncReport after = bed.agent().sync();
        assertTrue(after.succeeded(), after.toString());
        Set<Integer> uids = new HashSet<>();
        for (String member : members) {
            AccountView view = bed.agent().find(member).orElseThrow();
            assertEquals("ok", view.state(), member);
            assertTrue(uids.add(view.uidNumber()), "uidNumber " + view.uidNumber() + " handed out twice");
            assertEquals(view.uidNumber(), bed.ldapAccount(member).getAttributeValueAsInteger("uidNumber"));
            assertEquals(view.uidNumber(), bed.adAccount(member).getAttributeValueAsInteger("uidNumber"));
        }
        assertEquals(members.size(), withNumbers().size(), "one row per member");
        assertEquals(Set.copyOf(members), Set.of(bed.ldapGroup(group).getAttributeValues("memberUid")));
        assertEquals(members.size(), bed.adGroup(group).getAttributeValues("member").length);
    }

    @Test
    void aDirectoryThatIsDownFailsClearlyLosesNothingAndTheNextSyncCompletes() throws Exception {
        String lea = bed.user("lea");
        String max = bed.user("max");
        String group = "exp-down-" + bed.suffix;
        bed.experiment("P-D-" + bed.suffix, group, lea);
        assertTrue(bed.agent().sync().succeeded());
        List<AccountView> before = withNumbers();

        bed.experiment("P-D-" + bed.suffix, group, lea, max);
        String url = bed.ldap.url();
        DirectoryAccounts agent = bed.agent();
        bed.ldap.stop();
        long started = System.nanoTime();
        DirectoryException down = assertThrows(DirectoryException.class, agent::sync);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertTrue(down.getMessage().startsWith("LDAP at " + url + " is unreachable"), down.getMessage());
        assertTrue(took.compareTo(AccountsTestBed.TIMEOUT.plusSeconds(2)) < 0, "took " + took);
        assertEquals(before, withNumbers(), "the database is as it was");
        assertNull(bed.adAccount(max), "nothing half-done in AD either");

        bed.ldap.restart();
        SyncReport recovered = bed.agent().sync();
        assertTrue(recovered.succeeded(), recovered.toString());
        assertNotNull(bed.ldapAccount(max));
        assertNotNull(bed.adAccount(max));
        assertEquals(Set.of(lea, max), Set.of(bed.ldapGroup(group).getAttributeValues("memberUid")));
    }

    @Test
    void aDirectoryThatHangsTimesOutWithinTheTimeoutAndTheNextSyncCompletes() throws Exception {
        String nia = bed.user("nia");
        String oto = bed.user("oto");
        String group = "exp-slow-" + bed.suffix;
        try (CuttableTcpProxy ldapProxy = CuttableTcpProxy.start("127.0.0.1", bed.ldap.port());
                CuttableTcpProxy adProxy = CuttableTcpProxy.start(bed.ad.host(), bed.ad.port())) {
            AccountSettings settings = bed.settings(
                    Optional.of(bed.ldapServer(URI.create("ldap://127.0.0.1:" + ldapProxy.port()))),
                    Optional.of(bed.adServer(URI.create("ldaps://127.0.0.1:" + adProxy.port()))));
            bed.experiment("P-S-" + bed.suffix, group, nia);
            assertTrue(bed.agent(bed.db.database(), settings).sync().succeeded());
            List<AccountView> before = withNumbers();
            bed.experiment("P-S-" + bed.suffix, group, nia, oto);

            for (CuttableTcpProxy slow : List.of(ldapProxy, adProxy)) {
                slow.stall();
                long started = System.nanoTime();
                DirectoryException hung = assertThrows(DirectoryException.class,
                        () -> bed.agent(bed.db.database(), settings).sync());
                Duration took = Duration.ofNanos(System.nanoTime() - started);
                String side = slow == ldapProxy ? "LDAP" : "AD";
                // LDAP: the bind gets no answer (timeout); AD: the TLS handshake gets none (connect error).
                assertTrue(hung.getMessage().startsWith(side + " at "), hung.getMessage());
                assertTrue(hung.getMessage().contains("timeout") || hung.getMessage().contains("unreachable"),
                        hung.getMessage());
                assertTrue(hung.getMessage().endsWith("(retried next pass)"), hung.getMessage());
                assertTrue(took.compareTo(AccountsTestBed.TIMEOUT.multipliedBy(2).plusSeconds(1)) < 0, side + " took " + took);
                assertEquals(before, withNumbers(), "the database is as it was");
                slow.restore();
            }
            assertNull(bed.ldapAccount(oto));

            SyncReport recovered = bed.agent(bed.db.database(), settings).sync();
            assertTrue(recovered.succeeded(), recovered.toString());
            assertNotNull(bed.ldapAccount(oto));
            assertNotNull(bed.adAccount(oto));
            assertFalse(bed.agent(bed.db.database(), settings).find(oto).orElseThrow().state().equals("pending"));
        }
    }
}
