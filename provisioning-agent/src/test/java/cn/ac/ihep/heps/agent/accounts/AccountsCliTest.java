package cn.ac.ihep.heps.agent.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.cli.HepsCommand;
import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code heps accounts list|show|sync} as an operator runs it, configured through a properties
 * file like the agent's, against the schema-checked LDAP and Samba AD: help, JSON, and exit
 * codes 0 (done), 1 (conflict, directory down), 2 (bad usage or configuration, unknown user).
 */
class AccountsCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private AccountsTestBed bed;
    @TempDir
    Path dir;
    private Path config;

    @BeforeEach
    void setUp() throws Exception {
        bed = new AccountsTestBed(AccountsCliTest.class);
        Path adPassword = dir.resolve("ad-password");
        Files.writeString(adPassword, bed.ad.bindPassword() + "\n");
        config = dir.resolve("agent.properties");
        Files.writeString(config, String.join("\n",
                "database-url=" + bed.db.url(),
                "database-user=postgres",
                "agent-id=cli-test",
                "ldap-url=" + bed.ldap.url(),
                "ldap-bind-dn=" + bed.ldap.bindDn(),
                "ldap-bind-password=" + bed.ldap.bindPassword(),
                "ldap-people-dn=" + bed.ldap.userBaseDn(),
                "ldap-groups-dn=" + bed.ldap.groupBaseDn(),
                "ad-url=" + bed.ad.url(),
                "ad-bind-dn=" + bed.ad.bindDn(),
                "ad-bind-password-file=" + adPassword,
                "ad-users-dn=" + bed.adUsers,
                "ad-groups-dn=" + bed.adGroups,
                "ad-ca-file=" + bed.ad.caFile(),
                "account-uid-range=" + AccountsTestBed.UIDS,
                "account-gid-range=" + AccountsTestBed.GIDS,
                "directory-timeout=PT2S", ""));
    }

    @AfterEach
    void tearDown() throws Exception {
        bed.close();
    }

    record Run(int exitCode, String out, String err) {
    }

    private Run heps(Path configFile, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(progress, true, StandardCharsets.UTF_8));
        try {
            CommandLine commandLine = HepsCommand.commandLine(new HepsCommand(c -> {
                throw new AssertionError("accounts never need the cloud");
            }, Clock.systemUTC()));
            commandLine.setOut(new PrintWriter(System.out, true));
            commandLine.setErr(new PrintWriter(err, true));
            List<String> withConfig = new ArrayList<>(List.of(args));
            withConfig.add("--config=" + configFile);
            int code = commandLine.execute(withConfig.toArray(String[]::new));
            return new Run(code, out.toString(StandardCharsets.UTF_8), err + progress.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }

    private Run heps(String... args) {
        return heps(config, args);
    }

    @Test
    void helpOnTheNounAndEveryVerb() {
        for (String[] args : List.of(new String[] {"accounts", "--help"}, new String[] {"accounts", "list", "--help"},
                new String[] {"accounts", "show", "--help"}, new String[] {"accounts", "sync", "--help"})) {
            Run run = heps(args);
            assertEquals(ExitCode.OK, run.exitCode(), String.join(" ", args));
            assertTrue(run.out().contains("Usage: heps accounts"), run.out());
        }
        assertTrue(heps("accounts", "sync", "--help").out().contains("--output"));
        assertTrue(heps("--help").out().contains("accounts"));
    }

    @Test
    void syncThenListAndShowAsTablesAndJson() throws Exception {
        String pia = bed.user("pia");
        String quinn = bed.user("qn");
        bed.experiment("P-CLI-" + bed.suffix, "exp-cli-" + bed.suffix, pia, quinn);
        Run pending = heps("accounts", "list", "-o", "json");
        assertEquals(ExitCode.OK, pending.exitCode(), pending.err());
        assertEquals("pending", JSON.readTree(pending.out()).get(0).get("state").asText());

        Run sync = heps("accounts", "sync", "-o", "json");
        assertEquals(ExitCode.OK, sync.exitCode(), sync.err());
        JsonNode report = JSON.readTree(sync.out());
        assertEquals(2, report.get("accounts").asInt());
        assertFalse(report.get("changes").isEmpty());
        assertTrue(sync.err().contains("syncing accounts with LDAP"), "progress on stderr: " + sync.err());

        Run again = heps("accounts", "sync");
        assertEquals(ExitCode.OK, again.exitCode(), again.err());
        assertTrue(again.out().contains("No changes"), again.out());

        Run list = heps("accounts", "list");
        assertEquals(ExitCode.OK, list.exitCode());
        assertTrue(list.out().startsWith("USER"), list.out());
        assertTrue(list.out().contains(pia) && list.out().contains(quinn), list.out());

        Run show = heps("accounts", "show", pia, "-o", "json");
        assertEquals(ExitCode.OK, show.exitCode(), show.err());
        JsonNode account = JSON.readTree(show.out());
        assertEquals("ok", account.get("state").asText());
        assertEquals(bed.ldapAccount(pia).getAttributeValueAsInteger("uidNumber"), account.get("uidNumber").asInt());
        assertEquals("exp-cli-" + bed.suffix, account.get("groups").get(0).asText());
    }

    @Test
    void exitCodes() throws Exception {
        Run unknown = heps("accounts", "show", "nobody-" + bed.suffix);
        assertEquals(ExitCode.BAD_INPUT, unknown.exitCode(), "naming a user with no account is bad input");
        assertTrue(unknown.err().contains("No account for"), unknown.err());

        assertEquals(ExitCode.BAD_INPUT, heps("accounts", "list", "-o", "yaml").exitCode());
        assertEquals(ExitCode.BAD_INPUT, heps("accounts", "frobnicate").exitCode());
        Path badRange = dir.resolve("bad.properties");
        Files.writeString(badRange, Files.readString(config) + "account-uid-range=9-1\n");
        Run bad = heps(badRange, "accounts", "sync");
        assertEquals(ExitCode.BAD_INPUT, bad.exitCode());
        assertTrue(bad.err().contains("account-uid-range (HEPS_ACCOUNT_UID_RANGE)"), bad.err());
        Path plainAd = dir.resolve("plain-ad.properties");
        Files.writeString(plainAd, Files.readString(config).replace("ad-url=ldaps://", "ad-url=ldap://"));
        Run plain = heps(plainAd, "accounts", "sync");
        assertEquals(ExitCode.BAD_INPUT, plain.exitCode());
        assertTrue(plain.err().contains("over TLS only"), plain.err());

        // Numbers that disagree: exit 1, the conflict named.
        String rex = bed.user("rex");
        try (LDAPConnection connection = bed.ldap.server().getConnection()) {
            connection.add(new Entry("uid=" + rex + "," + bed.ldap.userBaseDn(),
                    new Attribute("objectClass", "top", "inetOrgPerson", "posixAccount"),
                    new Attribute("uid", rex), new Attribute("cn", rex), new Attribute("sn", rex),
                    new Attribute("uidNumber", "33000"), new Attribute("gidNumber", "100"),
                    new Attribute("homeDirectory", "/home/" + rex)));
        }
        try (LDAPConnection connection = bed.ad.connect()) {
            connection.add(new Entry("CN=" + rex + "," + bed.adUsers,
                    new Attribute("objectClass", "top", "person", "organizationalPerson", "user"),
                    new Attribute("sAMAccountName", rex), new Attribute("uidNumber", "33001")));
        }
        bed.experiment("P-X-" + bed.suffix, "exp-x-" + bed.suffix, rex);
        Run conflict = heps("accounts", "sync");
        assertEquals(ExitCode.FAILED, conflict.exitCode());
        assertTrue(conflict.out().contains("CONFLICT: account " + rex), conflict.out());
        assertTrue(conflict.err().contains("1 conflicts"), conflict.err());
        assertEquals("conflict", JSON.readTree(heps("accounts", "show", rex, "-o", "json").out()).get("state").asText());

        // A directory that is down: exit 1 and what to expect.
        bed.ldap.stop();
        Run down = heps("accounts", "sync");
        assertEquals(ExitCode.FAILED, down.exitCode());
        assertTrue(down.err().contains("LDAP at ldap://127.0.0.1:") && down.err().contains("unreachable"), down.err());

        // Nothing configured: bad configuration, exit 2.
        Path none = dir.resolve("none.properties");
        Files.writeString(none, "database-url=" + bed.db.url() + "\ndatabase-user=postgres\n");
        Run off = heps(none, "accounts", "sync");
        assertEquals(ExitCode.BAD_INPUT, off.exitCode());
        assertTrue(off.err().contains("Neither LDAP nor AD is configured"), off.err());
    }
}
