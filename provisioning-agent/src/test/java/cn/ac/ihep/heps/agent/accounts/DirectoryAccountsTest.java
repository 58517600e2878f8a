package cn.ac.ihep.heps.agent.accounts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.store.AuditLog;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.SearchResultEntry;
import java.util.Arrays;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Directory accounts against a schema-checked LDAP (UnboundID with RFC 2307) and a real Active
 * Directory (Samba AD from dev/samba-ad/up), with the agent's database on PostgreSQL.
 */
class DirectoryAccountsTest {
    private AccountsTestBed bed;

    @BeforeEach
    void setUp() throws Exception {
        bed = new AccountsTestBed(DirectoryAccountsTest.class);
    }

    @AfterEach
    void tearDown() throws Exception {
        bed.close();
    }

    private static Set<DN> dns(String... values) throws LDAPException {
        Set<DN> dns = new java.util.HashSet<>();
        for (String value : values == null ? new String[0] : values) {
            dns.add(new DN(value));
        }
        return dns;
    }

    @Test
    void theLoopReadsTheDirectoriesOnlyWhenMembersChangedOrTheCheckIntervalPassed() throws Exception {
        String dora = bed.user("dora");
        String eli = bed.user("eli");
        String proposal = "P-C-" + bed.suffix;
        String group = "exp-c-" + bed.suffix;
        bed.experiment(proposal, group, dora);
        DirectoryAccounts agent = bed.agent();
        Duration tenMinutes = Duration.ofMinutes(10);
        assertFalse(agent.syncIfChanged(tenMinutes).unchanged(), "the first pass makes the account");

        // Someone deletes the LDAP account behind the agent's back; with no member changed the
        // loop does not look until the check interval has passed.
        try (com.unboundid.ldap.sdk.LDAPConnection connection = bed.ldap.server().getConnection()) {
            connection.delete(bed.ldapAccount(dora).getDN());
        }
        SyncReport quiet = agent.syncIfChanged(tenMinutes);
        assertTrue(quiet.unchanged() && quiet.succeeded(), quiet.toString());
        assertEquals(1, quiet.accounts());
        assertNull(bed.ldapAccount(dora), "not read, not repaired");

        // A new member is acted on at once, and the pass that does it repairs the deleted account too.
        bed.experiment(proposal, group, dora, eli);
        SyncReport changed = agent.syncIfChanged(tenMinutes);
        assertTrue(changed.succeeded(), changed.toString());
        assertNotNull(bed.ldapAccount(eli));
        assertNotNull(bed.ldapAccount(dora), "the deleted account is made again");
        assertNotNull(bed.adAccount(eli));

        // Once the check interval has passed (zero here) the directories are read again.
        try (com.unboundid.ldap.sdk.LDAPConnection connection = bed.ldap.server().getConnection()) {
            connection.delete(bed.ldapAccount(eli).getDN());
        }
        assertTrue(agent.syncIfChanged(tenMinutes).unchanged());
        assertFalse(agent.syncIfChanged(Duration.ZERO).unchanged());
        assertNotNull(bed.ldapAccount(eli));
    }

    @Test
    void createsOneAccountPerMemberAndOneGroupPerExperimentWithTheSameNumbersInLdapAndAd() throws Exception {
        String alice = bed.user("alice");
        String bob = bed.user("bob");
        String carol = bed.user("carol");
        String groupA = "exp-a-" + bed.suffix;
        String groupB = "exp-b-" + bed.suffix;
        bed.experiment("P-A-" + bed.suffix, groupA, alice, bob);
        bed.experiment("P-B-" + bed.suffix, groupB, alice, carol);

        SyncReport report = bed.agent().sync();

        assertTrue(report.succeeded(), report.toString());
        assertEquals(3, report.accounts());
        assertEquals(2, report.groups());
        Set<Integer> uids = new TreeSet<>();
        for (String user : List.of(alice, bob, carol)) {
            SearchResultEntry ldapAccount = bed.ldapAccount(user);
            SearchResultEntry adAccount = bed.adAccount(user);
            assertNotNull(ldapAccount, user);
            assertNotNull(adAccount, user);
            assertTrue(ldapAccount.hasObjectClass("posixAccount") && ldapAccount.hasObjectClass("inetOrgPerson"));
            assertFalse(ldapAccount.hasAttribute("userPassword"), "the unified authentication owns passwords");
            assertEquals("/home/" + user, ldapAccount.getAttributeValue("homeDirectory"));
            assertEquals("/bin/bash", ldapAccount.getAttributeValue("loginShell"));
            int uid = ldapAccount.getAttributeValueAsInteger("uidNumber");
            assertTrue(AccountsTestBed.UIDS.contains(uid), "uidNumber " + uid);
            assertEquals(uid, adAccount.getAttributeValueAsInteger("uidNumber"), "the same uidNumber in AD");
            assertEquals(AccountsTestBed.PRIMARY_GID, ldapAccount.getAttributeValueAsInteger("gidNumber"));
            assertEquals(AccountsTestBed.PRIMARY_GID, adAccount.getAttributeValueAsInteger("gidNumber"));
            assertEquals("/home/" + user, adAccount.getAttributeValue("unixHomeDirectory"));
            assertEquals("/bin/bash", adAccount.getAttributeValue("loginShell"));
            assertEquals(user + "@" + bed.ad.upnSuffix(), adAccount.getAttributeValue("userPrincipalName"));
            assertEquals(512, adAccount.getAttributeValueAsInteger("userAccountControl"), "enabled, normal account");
            assertTrue(adAccount.getAttributeValueAsLong("pwdLastSet") > 0, "AD has a password for it");
            uids.add(uid);
        }
        assertEquals(3, uids.size(), "one number per member, alice's once although she is in two experiments");

        SearchResultEntry ldapA = bed.ldapGroup(groupA);
        SearchResultEntry adA = bed.adGroup(groupA);
        assertTrue(ldapA.hasObjectClass("posixGroup"));
        assertEquals(Set.of(alice, bob), Set.copyOf(Arrays.asList(ldapA.getAttributeValues("memberUid"))));
        assertEquals(dns(bed.adAccount(alice).getDN(), bed.adAccount(bob).getDN()), dns(adA.getAttributeValues("member")));
        int gidA = ldapA.getAttributeValueAsInteger("gidNumber");
        assertTrue(AccountsTestBed.GIDS.contains(gidA));
        assertEquals(gidA, adA.getAttributeValueAsInteger("gidNumber"));
        SearchResultEntry ldapB = bed.ldapGroup(groupB);
        assertEquals(Set.of(alice, carol), Set.copyOf(Arrays.asList(ldapB.getAttributeValues("memberUid"))));
        assertNotEquals(gidA, ldapB.getAttributeValueAsInteger("gidNumber"));
        assertEquals(ldapB.getAttributeValueAsInteger("gidNumber"), bed.adGroup(groupB).getAttributeValueAsInteger("gidNumber"));

        // The database knows every number, and the audit log every step.
        List<AccountView> accounts = bed.agent().list();
        assertEquals(List.of(alice, bob, carol), accounts.stream().map(AccountView::username).toList());
        AccountView aliceView = bed.agent().find(alice).orElseThrow();
        assertEquals("ok", aliceView.state());
        assertEquals("allocated", aliceView.origin());
        assertEquals(List.of(groupA, groupB), aliceView.groups());
        assertEquals(bed.ldapAccount(alice).getAttributeValueAsInteger("uidNumber"), aliceView.uidNumber());
        List<String> actions = bed.db.database().inTransaction(c -> new AuditLog().recent(c, "account:" + alice, 50))
                .stream().map(AuditLog.Entry::action).toList();
        assertTrue(actions.containsAll(List.of("account-number-allocated", "LDAP-account-created", "AD-account-created")),
                actions.toString());
    }

    @Test
    void aSecondSyncChangesNothingAndSaysSo() throws Exception {
        bed.experiment("P-1-" + bed.suffix, "exp-1-" + bed.suffix, bed.user("dora"), bed.user("emil"));
        SyncReport first = bed.agent().sync();
        assertFalse(first.changes().isEmpty());
        int audited = bed.db.database().inTransaction(c -> new AuditLog().recent(c, "", 1000)).size();

        SyncReport second = bed.agent().sync();

        assertTrue(second.unchanged(), second.toString());
        assertEquals(List.of(), second.changes());
        assertEquals(audited, bed.db.database().inTransaction(c -> new AuditLog().recent(c, "", 1000)).size());
    }

    @Test
    void adoptsAnExistingLdapAccountWithItsNumbersAndGivesAdTheSame() throws Exception {
        String fay = bed.user("fay");
        try (LDAPConnection connection = bed.ldap.server().getConnection()) {
            connection.add(new Entry("uid=" + fay + "," + bed.ldap.userBaseDn(),
                    new Attribute("objectClass", "top", "inetOrgPerson", "posixAccount"),
                    new Attribute("uid", fay), new Attribute("cn", "Fay Liu"), new Attribute("sn", "Liu"),
                    new Attribute("uidNumber", "31234"), new Attribute("gidNumber", "5000"),
                    new Attribute("homeDirectory", "/data/home/" + fay)));
        }
        bed.experiment("P-2-" + bed.suffix, "exp-2-" + bed.suffix, fay);

        SyncReport report = bed.agent().sync();

        assertTrue(report.succeeded(), report.toString());
        SearchResultEntry ldapAccount = bed.ldapAccount(fay);
        assertEquals(31234, ldapAccount.getAttributeValueAsInteger("uidNumber"), "never renumbered");
        assertEquals("/data/home/" + fay, ldapAccount.getAttributeValue("homeDirectory"));
        assertEquals("Fay Liu", ldapAccount.getAttributeValue("cn"));
        SearchResultEntry adAccount = bed.adAccount(fay);
        assertEquals(31234, adAccount.getAttributeValueAsInteger("uidNumber"));
        assertEquals(5000, adAccount.getAttributeValueAsInteger("gidNumber"));
        AccountView view = bed.agent().find(fay).orElseThrow();
        assertEquals("adopted", view.origin());
        assertEquals(31234, view.uidNumber());
        assertTrue(bed.agent().sync().unchanged());
    }

    @Test
    void numbersThatDisagreeAreReportedAndNothingIsChanged() throws Exception {
        String gus = bed.user("gus");
        String hal = bed.user("hal");
        try (LDAPConnection connection = bed.ldap.server().getConnection()) {
            connection.add(new Entry("uid=" + gus + "," + bed.ldap.userBaseDn(),
                    new Attribute("objectClass", "top", "inetOrgPerson", "posixAccount"),
                    new Attribute("uid", gus), new Attribute("cn", gus), new Attribute("sn", gus),
                    new Attribute("uidNumber", "32000"), new Attribute("gidNumber", "100"),
                    new Attribute("homeDirectory", "/home/" + gus)));
        }
        try (LDAPConnection connection = bed.ad.connect()) {
            connection.add(new Entry("CN=" + gus + "," + bed.adUsers,
                    new Attribute("objectClass", "top", "person", "organizationalPerson", "user"),
                    new Attribute("sAMAccountName", gus), new Attribute("uidNumber", "32001"),
                    new Attribute("gidNumber", "100")));
        }
        String group = "exp-3-" + bed.suffix;
        bed.experiment("P-3-" + bed.suffix, group, gus, hal);

        SyncReport report = bed.agent().sync();

        assertEquals(1, report.conflicts().size(), report.toString());
        assertEquals(List.of(), report.errors());
        assertEquals(Set.of(bed.adAccount(hal).getDN()), Set.of(bed.adGroup(group).getAttributeValues("member")));
        assertTrue(report.conflicts().get(0).contains(gus) && report.conflicts().get(0).contains("32000")
                && report.conflicts().get(0).contains("32001"), report.conflicts().get(0));
        assertFalse(report.succeeded());
        assertEquals(32000, bed.ldapAccount(gus).getAttributeValueAsInteger("uidNumber"));
        assertEquals(32001, bed.adAccount(gus).getAttributeValueAsInteger("uidNumber"));
        assertFalse(bed.ldapGroup(group).hasAttribute("memberUid") && List.of(bed.ldapGroup(group)
                .getAttributeValues("memberUid")).contains(gus), "not put into groups either");
        assertEquals(Set.of(hal), Set.copyOf(Arrays.asList(bed.ldapGroup(group).getAttributeValues("memberUid"))),
                "the other member is served");
        AccountView view = bed.agent().find(gus).orElseThrow();
        assertEquals("conflict", view.state());
        assertNull(view.uidNumber(), "no number recorded for it");

        SyncReport again = bed.agent().sync();
        assertEquals(1, again.conflicts().size());
        assertEquals(List.of(), again.changes(), "a conflict is not a change");
        long audited = bed.db.database().inTransaction(c -> new AuditLog().recent(c, "account:" + gus, 50)).stream()
                .filter(e -> e.action().equals("account-conflict")).count();
        assertEquals(1, audited, "audited once, not on every pass");

        // The operator fixes AD; the next pass adopts the agreed number.
        try (LDAPConnection connection = bed.ad.connect()) {
            connection.modify("CN=" + gus + "," + bed.adUsers, new com.unboundid.ldap.sdk.Modification(
                    com.unboundid.ldap.sdk.ModificationType.REPLACE, "uidNumber", "32000"));
        }
        SyncReport fixed = bed.agent().sync();
        assertTrue(fixed.succeeded(), fixed.toString());
        assertEquals("ok", bed.agent().find(gus).orElseThrow().state());
        assertEquals(32000, bed.agent().find(gus).orElseThrow().uidNumber());
        assertTrue(List.of(bed.ldapGroup(group).getAttributeValues("memberUid")).contains(gus));
        assertEquals(2, bed.adGroup(group).getAttributeValues("member").length);
    }

    @Test
    void aMemberWhoLeavesLeavesTheGroupsButKeepsTheAccounts() throws Exception {
        String ivy = bed.user("ivy");
        String jon = bed.user("jon");
        String group = "exp-4-" + bed.suffix;
        bed.experiment("P-4-" + bed.suffix, group, ivy, jon);
        assertTrue(bed.agent().sync().succeeded());
        String jonAdDn = bed.adAccount(jon).getDN();
        int jonUid = bed.ldapAccount(jon).getAttributeValueAsInteger("uidNumber");

        bed.experiment("P-4-" + bed.suffix, group, ivy);
        SyncReport report = bed.agent().sync();

        assertTrue(report.succeeded(), report.toString());
        assertArrayEquals(new String[] {ivy}, bed.ldapGroup(group).getAttributeValues("memberUid"));
        assertEquals(dns(bed.adAccount(ivy).getDN()), dns(bed.adGroup(group).getAttributeValues("member")));
        assertEquals(jonUid, bed.ldapAccount(jon).getAttributeValueAsInteger("uidNumber"), "the account stays");
        assertEquals(jonAdDn, bed.adAccount(jon).getDN());
        AccountView view = bed.agent().find(jon).orElseThrow();
        assertEquals("kept", view.state());
        assertEquals(jonUid, view.uidNumber());
        assertTrue(bed.agent().sync().unchanged());
    }

    @Test
    void aUsernameTooLongForAdIsReportedAndTheLdapAccountIsStillMade() throws Exception {
        String longName = "a-very-long-username-" + bed.suffix;
        bed.experiment("P-5-" + bed.suffix, "exp-5-" + bed.suffix, longName);

        SyncReport report = bed.agent().sync();

        assertEquals(1, report.errors().size(), report.toString());
        assertTrue(report.errors().get(0).contains("20 characters"), report.errors().get(0));
        assertNotNull(bed.ldapAccount(longName));
        assertNull(bed.adAccount(longName));
    }

    @Test
    void activeDirectoryRefusesAnythingButTlsAndTheAgentsPasswordsAreLongAndMixed() throws Exception {
        // Why ad-url must be ldaps://: the domain controller will not even take the bind in clear text
        // (and AD never accepts unicodePwd without an encrypted connection).
        LDAPException refused = assertThrows(LDAPException.class, () -> bed.ad.connectWithoutTls().close());
        assertEquals(com.unboundid.ldap.sdk.ResultCode.STRONG_AUTH_REQUIRED, refused.getResultCode());
        String password = AdPasswords.random();
        assertEquals(40, password.length());
        assertEquals(Set.of("upper", "lower", "digit", "other"), password.chars().mapToObj(ch ->
                Character.isUpperCase(ch) ? "upper" : Character.isLowerCase(ch) ? "lower"
                        : Character.isDigit(ch) ? "digit" : "other").collect(Collectors.toSet()));
        assertNotEquals(password, AdPasswords.random());
        assertArrayEquals("\"ab\"".getBytes(java.nio.charset.StandardCharsets.UTF_16LE), AdPasswords.quotedUtf16("ab"));
    }
}
