package cn.ac.ihep.heps.agent.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.activity.ActivityService;
import cn.ac.ihep.heps.agent.api.BearerTokens;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.secrets.SecretBox;
import cn.ac.ihep.heps.agent.secrets.SiteKey;
import cn.ac.ihep.heps.agent.store.ActivityRepository;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.common.activity.ActivityReport;
import cn.ac.ihep.heps.common.activity.ActivityReport.OpenDesktop;
import cn.ac.ihep.heps.common.activity.ActivityReport.SessionEvent;
import cn.ac.ihep.heps.testsupport.time.MutableClock;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sign-in passwords of the AD accounts the agent creates, against the Samba AD test bed
 * (dev/samba-ad/up, which accepts a replaced password no longer, as docs/operations.md asks of a
 * site's DCs) and PostgreSQL; the agent's clock is held.
 */
class AccountPasswordsTest {
    private AccountsTestBed bed;
    private MutableClock clock;
    private Path keyFile;
    private AccountPasswords passwords;
    private DirectoryAccounts agent;
    private long nodeSequence;

    @TempDir
    Path dir;

    @BeforeEach
    void setUp() throws Exception {
        bed = new AccountsTestBed(AccountPasswordsTest.class);
        clock = new MutableClock(Instant.now());
        keyFile = dir.resolve("sso-key");
        passwords = passwords(bed.db.database(), keyFile);
        agent = directoryAccounts(bed.db.database(), passwords);
    }

    @AfterEach
    void tearDown() throws Exception {
        bed.close();
    }

    private AccountSettings settings() {
        return bed.settings(Optional.of(bed.ldapServer()), Optional.of(bed.adServer()));
    }

    private AccountPasswords passwords(Database database, Path key) {
        return new AccountPasswords(database, new AuditLog(), settings(),
                new SignInSettings(true, Duration.ofHours(1), "heps.test"), new SecretBox(SiteKey.loadOrCreate(key)),
                clock);
    }

    private DirectoryAccounts directoryAccounts(Database database, AccountPasswords kept) {
        return new DirectoryAccounts(database, bed.experiments, new AuditLog(), settings(), clock, kept);
    }

    private String dnOf(String username) throws Exception {
        return bed.adAccount(username).getDN();
    }

    /** A member with a desktop (server id {@code server-<user>}) and an AD account the agent made. */
    private String member(String name) throws Exception {
        String username = bed.user(name);
        bed.experiment("P-" + username, "exp-" + username, username);
        assertTrue(agent.sync().succeeded());
        DesktopRepository desktops = new DesktopRepository();
        bed.db.database().inTransaction(c -> {
            long experimentId = bed.experiments.find(c, "P-" + username).orElseThrow().id();
            long id = desktops.insert(c, experimentId, username, "b1-" + username, 0, clock.instant());
            desktops.update(id).serverId("server-" + username).state(DesktopState.RUNNING).execute(c, clock.instant());
            return null;
        });
        return username;
    }

    private ActivityService activity() {
        return new ActivityService(bed.db.database(), new ActivityRepository(), new BearerTokens(List.of("t")),
                ids -> List.of(), passwords::sessionEnded, clock);
    }

    private void report(ActivityService activity, List<OpenDesktop> open, List<SessionEvent> events) {
        activity.receive(new ActivityReport("guac-1", "instance-1", ++nodeSequence, true, 0, open, events));
    }

    @Test
    void anAccountTheAgentCreatesHasAPasswordOnlyTheAgentKnowsAndTheDomainAccepts() throws Exception {
        String ann = member("ann");
        String password = passwords.handOut(ann, "test").orElseThrow();
        assertEquals(40, password.length());
        assertTrue(bed.ad.accepts(dnOf(ann), password), "AD has the password the agent keeps");
        assertEquals(password, passwords.handOut(ann, "test").orElseThrow(), "no change without a reason");
        assertFalse(bed.ad.accepts(dnOf(ann), "Aa1-" + password.substring(4, 39)), "and nothing else");
        List<String> audit = bed.db.database().inTransaction(c -> new AuditLog().recent(c, "account:" + ann, 20))
                .stream().map(e -> e.action() + " " + e.detail()).toList();
        assertTrue(audit.stream().anyMatch(a -> a.startsWith("account-password-handed-out test")), audit.toString());
        assertTrue(audit.stream().noneMatch(a -> a.contains(password)), audit.toString());
    }

    @Test
    void aSessionEndChangesThePasswordOnceNoSessionIsOpenAndTheOldOneIsRefused() throws Exception {
        String ben = member("ben");
        String server = "server-" + ben;
        String before = passwords.handOut(ben, "login").orElseThrow();
        ActivityService activity = activity();
        report(activity, List.of(new OpenDesktop(server, 1, null, null)),
                List.of(new SessionEvent(server, SessionEvent.OPENED, clock.instant().toString(), null)));
        clock.advance(Duration.ofMinutes(5));
        assertEquals(List.of(), passwords.rotateDue().changed(), "not while the session is open");

        report(activity, List.of(), List.of(new SessionEvent(server, SessionEvent.CLOSED, clock.instant().toString(), null)));
        assertEquals(List.of(ben), passwords.rotateDue().changed(), "changed once the session ended");
        String after = passwords.handOut(ben, "next login").orElseThrow();
        assertNotEquals(before, after);
        assertTrue(bed.ad.accepts(dnOf(ben), after));
        assertFalse(bed.ad.accepts(dnOf(ben), before), "the domain refuses the password of the ended session");
        assertEquals(List.of(), passwords.rotateDue().changed(), "done: nothing is due any more");
    }

    @Test
    void aPasswordJustHandedOutIsNotChangedUntilItsSessionCouldHaveBeenReported() throws Exception {
        String cai = member("cai");
        String handed = passwords.handOut(cai, "login").orElseThrow();
        // A session ended just before (another tab), and this login's connection is not reported yet.
        bed.db.database().inTransaction(c -> {
            passwords.sessionEnded(c, "server-" + cai, clock.instant());
            return null;
        });
        clock.advance(Duration.ofSeconds(30));
        assertEquals(List.of(), passwords.rotateDue().changed(), "within the minute after a hand-out");
        assertTrue(bed.ad.accepts(dnOf(cai), handed));
        clock.advance(SignInSettings.HAND_OUT_GRACE);
        assertEquals(List.of(cai), passwords.rotateDue().changed());
        assertFalse(bed.ad.accepts(dnOf(cai), handed));
    }

    @Test
    void aPasswordOlderThanTheMaximumAgeIsChangedWhenNoSessionIsOpen() throws Exception {
        String dai = member("dai");
        String first = passwords.handOut(dai, "login").orElseThrow();
        clock.advance(Duration.ofMinutes(59));
        assertEquals(List.of(), passwords.rotateDue().changed());
        clock.advance(Duration.ofMinutes(2));
        assertEquals(List.of(dai), passwords.rotateDue().changed());
        assertNotEquals(first, passwords.handOut(dai, "login").orElseThrow());
    }

    @Test
    void aChangeLeftHalfDoneIsFinishedWithTheSamePasswordBeforeAnythingElse() throws Exception {
        String eva = member("eva");
        String current = passwords.handOut(eva, "login").orElseThrow();
        SecretBox box = new SecretBox(SiteKey.loadOrCreate(keyFile));
        PasswordStore store = new PasswordStore();

        // Crashed after storing the next password, before AD took it: AD still has the current one.
        String next = AdPasswords.random();
        bed.db.database().inTransaction(c -> {
            store.setPending(c, eva, box.seal(AccountPasswords.PURPOSE, eva, next), clock.instant());
            return null;
        });
        assertTrue(bed.ad.accepts(dnOf(eva), current));
        assertEquals(next, passwords.handOut(eva, "login").orElseThrow(), "the hand-out finishes the change");
        assertTrue(bed.ad.accepts(dnOf(eva), next));
        assertFalse(bed.ad.accepts(dnOf(eva), current));

        // Crashed after AD took it, before it was made current: the same password is set again.
        String third = AdPasswords.random();
        bed.db.database().inTransaction(c -> {
            store.setPending(c, eva, box.seal(AccountPasswords.PURPOSE, eva, third), clock.instant());
            return null;
        });
        try (LDAPConnection connection = bed.ad.connect()) {
            connection.modify(dnOf(eva), new com.unboundid.ldap.sdk.Modification(
                    com.unboundid.ldap.sdk.ModificationType.REPLACE, "unicodePwd", AdPasswords.quotedUtf16(third)));
        }
        assertEquals(List.of(eva), passwords.rotateDue().changed(), "a half-done change is due at once");
        assertEquals(third, passwords.handOut(eva, "login").orElseThrow());
        assertTrue(bed.ad.accepts(dnOf(eva), third));
    }

    @Test
    void aStoredPasswordTheSiteKeyCannotOpenIsReplacedNotHandedOutWrong() throws Exception {
        String fay = member("fay");
        String before = passwords.handOut(fay, "login").orElseThrow();
        // The key file was lost and made again: the row no longer opens.
        AccountPasswords withNewKey = passwords(bed.db.database(), dir.resolve("another-key"));
        String after = withNewKey.handOut(fay, "login").orElseThrow();
        assertNotEquals(before, after);
        assertTrue(bed.ad.accepts(dnOf(fay), after));
    }

    @Test
    void accountsTheAgentDidNotCreateAreNeverTouched() throws Exception {
        // A person's own AD account, with a password they know, adopted by the agent for the numbers.
        String gus = bed.user("gus");
        String own = "Hh7-" + "their-own-password";
        try (LDAPConnection connection = bed.ad.connect()) {
            connection.add(new Entry("CN=" + gus + "," + bed.adUsers,
                    new Attribute("objectClass", "top", "person", "organizationalPerson", "user"),
                    new Attribute("sAMAccountName", gus),
                    new Attribute("unicodePwd", AdPasswords.quotedUtf16(own)),
                    new Attribute("userAccountControl", "512")));
        }
        bed.experiment("P-" + gus, "exp-" + gus, gus);
        assertTrue(agent.sync().succeeded());
        assertNotNull(bed.adAccount(gus).getAttributeValue("uidNumber"), "numbered by the pass");
        assertEquals(Optional.empty(), passwords.handOut(gus, "login"), "no sign-in for an account the agent did not make");
        clock.advance(Duration.ofDays(2));
        passwords.rotateDue();
        assertTrue(bed.ad.accepts(dnOf(gus), own), "its owner's password still works");
    }

    @Test
    void accountsMadeBeforeTheAgentKeptPasswordsAreTakenOverOnce() throws Exception {
        // An agent of the previous version made the account: a random password nobody kept.
        String hal = bed.user("hal");
        bed.experiment("P-" + hal, "exp-" + hal, hal);
        assertTrue(directoryAccounts(bed.db.database(), null).sync().succeeded());
        assertNotNull(bed.adAccount(hal));
        assertEquals(Optional.empty(), passwords.handOut(hal, "login"));

        assertEquals(List.of(hal), passwords.rotateDue().changed(), "the first round takes it over");
        String password = passwords.handOut(hal, "login").orElseThrow();
        assertTrue(bed.ad.accepts(dnOf(hal), password));
    }

    @Test
    void theStoreHoldsNoPlaintextOnPostgresqlOrInTheEmbeddedDatabaseFile() throws Exception {
        List<String> seen = new ArrayList<>();
        String ida = member("ida");
        seen.add(passwords.handOut(ida, "login").orElseThrow());
        passwords.rotate(ida);
        seen.add(passwords.handOut(ida, "login").orElseThrow());
        String dump = pgDump(bed.db.url());
        assertTrue(dump.contains("account_passwords"), "the dump has the table");
        for (String password : seen) {
            for (String form : forms(password)) {
                assertFalse(dump.contains(form), "the PostgreSQL dump holds a form of a password: " + form);
            }
        }

        // The embedded database the agent uses by default: its file's bytes.
        Path home = dir.resolve("home");
        Database h2 = Database.open("jdbc:h2:file:" + home.resolve("agent") + ";WRITE_DELAY=0", "sa", "");
        AccountPasswords embedded = passwords(h2, keyFile);
        String jo = bed.user("jo");
        h2.inTransaction(c -> {
            bed.experiments.upsert(c, new cn.ac.ihep.heps.agent.experiment.Experiment(0, "P-" + jo, "B1", "exp-" + jo,
                    clock.instant().minus(Duration.ofHours(1)), clock.instant().plus(Duration.ofDays(1)),
                    new cn.ac.ihep.heps.agent.experiment.DesktopSpec("windows", 0, "heps.desktop.cpu", null),
                    List.of(jo), clock.instant()), clock.instant());
            return null;
        });
        assertTrue(directoryAccounts(h2, embedded).sync().succeeded());
        List<String> embeddedSeen = new ArrayList<>();
        embeddedSeen.add(embedded.handOut(jo, "login").orElseThrow());
        embedded.rotate(jo);
        embeddedSeen.add(embedded.handOut(jo, "login").orElseThrow());
        h2.inTransaction(c -> {
            c.createStatement().execute("CHECKPOINT SYNC");
            return null;
        });
        h2.close();
        byte[] file = Files.readAllBytes(home.resolve("agent.mv.db"));
        String bytes = new String(file, StandardCharsets.ISO_8859_1);
        assertTrue(bytes.contains("ACCOUNT_PASSWORDS"), "the file has the table");
        for (String password : embeddedSeen) {
            for (String form : forms(password)) {
                assertFalse(bytes.contains(new String(form.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)),
                        "the embedded database file holds a form of a password");
            }
            assertFalse(bytes.contains(new String(password.getBytes(StandardCharsets.UTF_16LE), StandardCharsets.ISO_8859_1)),
                    "the embedded database file holds the password in UTF-16");
        }
    }

    /** The password as text, as UTF-16, as hex of either, as base64: how a careless store could hold it. */
    private static List<String> forms(String password) {
        HexFormat hex = HexFormat.of();
        return List.of(password, password.substring(4, 24),
                hex.formatHex(password.getBytes(StandardCharsets.UTF_8)),
                hex.formatHex(password.getBytes(StandardCharsets.UTF_16LE)),
                hex.formatHex(("\"" + password + "\"").getBytes(StandardCharsets.UTF_16LE)),
                Base64.getEncoder().encodeToString(password.getBytes(StandardCharsets.UTF_8)));
    }

    private static String pgDump(String jdbcUrl) throws IOException, InterruptedException {
        String database = jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1);
        Process dump = new ProcessBuilder("pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--data-only", database)
                .redirectErrorStream(true).start();
        String text = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(dump.waitFor(60, TimeUnit.SECONDS) && dump.exitValue() == 0, text);
        return text;
    }

    @Test
    void withSingleSignOnOffNewAccountsKeepNoPasswordAtAll() throws Exception {
        AccountPasswords off = new AccountPasswords(bed.db.database(), new AuditLog(), settings(),
                new SignInSettings(false, Duration.ofHours(1), "heps.test"), null, clock);
        String kim = bed.user("kim");
        bed.experiment("P-" + kim, "exp-" + kim, kim);
        assertTrue(directoryAccounts(bed.db.database(), off.enabled() ? off : null).sync().succeeded());
        assertNotNull(bed.adAccount(kim), "the account is made, enabled, with a password nobody keeps");
        assertEquals(Optional.empty(), off.handOut(kim, "login"));
        assertNull(bed.db.database().inTransaction(c -> new PasswordStore().find(c, kim).orElse(null)));
    }
}
