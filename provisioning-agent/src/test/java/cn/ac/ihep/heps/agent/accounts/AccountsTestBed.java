package cn.ac.ihep.heps.agent.accounts;

import cn.ac.ihep.heps.agent.config.DirectoryServer;
import cn.ac.ihep.heps.agent.config.NumberRange;
import cn.ac.ihep.heps.agent.experiment.DesktopSpec;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.testsupport.ldap.DirectoryFixture;
import cn.ac.ihep.heps.testsupport.ldap.SambaAdTestBed;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * What a directory accounts test works against: a fresh PostgreSQL database, a schema-checked
 * in-memory LDAP server, and an OU of its own (users and groups below it) in the machine's
 * Samba AD. Usernames carry a suffix unique to the test, since sAMAccountName is unique in the
 * whole domain.
 */
final class AccountsTestBed implements AutoCloseable {
    static final NumberRange UIDS = new NumberRange(40000, 49999);
    static final NumberRange GIDS = new NumberRange(60000, 69999);
    static final int PRIMARY_GID = 100;
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    final TestDatabase db;
    final DirectoryFixture ldap;
    final SambaAdTestBed ad;
    final String adOu;
    final String adUsers;
    final String adGroups;
    final String suffix = UUID.randomUUID().toString().substring(0, 5).toLowerCase(Locale.ROOT);
    final ExperimentRepository experiments = new ExperimentRepository();
    final Clock clock = Clock.systemUTC();

    AccountsTestBed(Class<?> owner) throws LDAPException {
        ad = SambaAdTestBed.require();
        db = TestDatabase.create(owner);
        ldap = DirectoryFixture.posixAccounts();
        adOu = ad.createOrganizationalUnit("heps-accounts-test");
        adUsers = "OU=users," + adOu;
        adGroups = "OU=groups," + adOu;
        try (LDAPConnection connection = ad.connect()) {
            connection.add(new Entry(adUsers, new Attribute("objectClass", "top", "organizationalUnit")));
            connection.add(new Entry(adGroups, new Attribute("objectClass", "top", "organizationalUnit")));
        }
    }

    /** A username unique to this test (AD allows 20 characters). */
    String user(String name) {
        return name + suffix;
    }

    DirectoryServer ldapServer(URI url) {
        return new DirectoryServer(url, ldap.bindDn(), ldap.bindPassword(), ldap.userBaseDn(), ldap.groupBaseDn(),
                Optional.empty(), TIMEOUT);
    }

    DirectoryServer ldapServer() {
        return ldapServer(URI.create(ldap.url()));
    }

    DirectoryServer adServer(URI url) {
        return new DirectoryServer(url, ad.bindDn(), ad.bindPassword(), adUsers, adGroups, Optional.of(ad.caFile()),
                TIMEOUT);
    }

    DirectoryServer adServer() {
        return adServer(ad.url());
    }

    AccountSettings settings(Optional<DirectoryServer> ldapSide, Optional<DirectoryServer> adSide) {
        return new AccountSettings("agent-test", ldapSide, adSide, ad.upnSuffix(), UIDS, GIDS, PRIMARY_GID,
                "/home/{username}", "/bin/bash", Duration.ofDays(7));
    }

    DirectoryAccounts agent(Database database, AccountSettings settings) {
        return new DirectoryAccounts(database, experiments, new AuditLog(), settings, clock);
    }

    DirectoryAccounts agent() {
        return agent(db.database(), settings(Optional.of(ldapServer()), Optional.of(adServer())));
    }

    /** Creates or replaces an experiment whose window is open now. */
    void experiment(String proposal, String group, String... members) {
        Instant now = clock.instant();
        Experiment experiment = new Experiment(0, proposal, "B1", group, now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofDays(2)), new DesktopSpec("linux", 0, "heps.desktop.cpu", null), List.of(members),
                now);
        db.database().inTransaction(c -> experiments.upsert(c, experiment, now));
    }

    /** The LDAP entry under the people or groups DN with this uid or cn, or null. */
    SearchResultEntry ldapEntry(String base, String filter) throws LDAPException {
        try (LDAPConnection connection = ldap.server().getConnection()) {
            List<SearchResultEntry> found = connection.search(base, SearchScope.SUB, filter, "*").getSearchEntries();
            return found.isEmpty() ? null : found.get(0);
        }
    }

    SearchResultEntry ldapAccount(String username) throws LDAPException {
        return ldapEntry(ldap.userBaseDn(), "(uid=" + username + ")");
    }

    SearchResultEntry ldapGroup(String name) throws LDAPException {
        return ldapEntry(ldap.groupBaseDn(), "(cn=" + name + ")");
    }

    SearchResultEntry adEntry(String filter) throws LDAPException {
        try (LDAPConnection connection = ad.connect()) {
            List<SearchResultEntry> found = connection.search(adOu, SearchScope.SUB, filter, "*", "pwdLastSet")
                    .getSearchEntries();
            return found.isEmpty() ? null : found.get(0);
        }
    }

    SearchResultEntry adAccount(String username) throws LDAPException {
        return adEntry("(&(objectClass=user)(sAMAccountName=" + username + "))");
    }

    SearchResultEntry adGroup(String name) throws LDAPException {
        return adEntry("(&(objectClass=group)(sAMAccountName=" + name + "))");
    }

    @Override
    public void close() throws LDAPException {
        try {
            ad.deleteTree(adOu);
        } finally {
            ldap.close();
            db.close();
        }
    }
}
