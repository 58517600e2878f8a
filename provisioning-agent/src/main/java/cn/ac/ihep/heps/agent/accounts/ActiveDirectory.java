package cn.ac.ihep.heps.agent.accounts;

import cn.ac.ihep.heps.agent.config.DirectoryServer;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.RootDSE;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Active Directory: accounts are {@code user} objects {@code CN=<user>} under the users DN with
 * {@code sAMAccountName}, {@code userPrincipalName} and the RFC 2307 attributes
 * ({@code uidNumber}, {@code gidNumber}, {@code unixHomeDirectory}, {@code loginShell}) carrying
 * the same numbers as LDAP, which is what lets storage (Samba idmap_ad, sssd) map an AD identity
 * to the LDAP one. Groups are {@code group} objects with {@code gidNumber} and {@code member} DNs.
 *
 * <p>AD enables a user only when it has a password. The facility's unified authentication owns
 * passwords, so each new user gets a long random one that is sent once, over LDAPS (AD refuses
 * {@code unicodePwd} otherwise), and never stored or logged.
 */
final class ActiveDirectory implements AccountDirectory {
    /** NORMAL_ACCOUNT: enabled. */
    static final int ENABLED_ACCOUNT = 512;
    /** AD's limit for the pre-Windows 2000 logon name. */
    static final int MAX_SAM_ACCOUNT_NAME = 20;
    private static final String PASSWORD_CHARACTERS =
            "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.:!+*%";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final LDAPConnection connection;
    private final DirectoryServer server;
    private final String upnSuffix;
    private final String domainDn;

    private ActiveDirectory(LDAPConnection connection, DirectoryServer server, String upnSuffix, String domainDn) {
        this.connection = connection;
        this.server = server;
        this.upnSuffix = upnSuffix;
        this.domainDn = domainDn;
    }

    static ActiveDirectory connect(DirectoryServer server, String upnSuffix) {
        LDAPConnection connection = DirectoryConnections.open(server, "AD");
        String domainDn = server.accountsDn();
        try {
            // sAMAccountName is unique in the whole domain: look for accounts and groups there.
            RootDSE root = connection.getRootDSE();
            if (root != null && root.getAttributeValue("defaultNamingContext") != null) {
                domainDn = root.getAttributeValue("defaultNamingContext");
            }
        } catch (LDAPException e) {
            connection.close();
            throw new DirectoryException("AD at " + server.url() + " did not answer the root DSE: "
                    + DirectoryConnections.describe(e) + " (retried next pass)", e);
        }
        return new ActiveDirectory(connection, server, upnSuffix, domainDn);
    }

    @Override
    public String side() {
        return "AD";
    }

    @Override
    public Optional<ObservedEntry> findAccount(String username) throws LDAPException {
        return findOne(Filter.createANDFilter(Filter.createEqualityFilter("objectClass", "user"),
                Filter.createEqualityFilter("sAMAccountName", username)));
    }

    @Override
    public String createAccount(NewAccount account) throws LDAPException {
        if (account.username().length() > MAX_SAM_ACCOUNT_NAME) {
            throw new LDAPException(ResultCode.CONSTRAINT_VIOLATION, "'" + account.username() + "' is longer than the "
                    + MAX_SAM_ACCOUNT_NAME + " characters AD allows in sAMAccountName");
        }
        String dn = new DN(new RDN("CN", account.username()), new DN(server.accountsDn())).toString();
        // One add: the user exists enabled with its password, or not at all.
        connection.add(new Entry(dn,
                new Attribute("objectClass", "top", "person", "organizationalPerson", "user"),
                new Attribute("cn", account.username()),
                new Attribute("sAMAccountName", account.username()),
                new Attribute("userPrincipalName", account.username() + "@" + upnSuffix),
                new Attribute("uidNumber", Integer.toString(account.uidNumber())),
                new Attribute("gidNumber", Integer.toString(account.gidNumber())),
                new Attribute("unixHomeDirectory", account.homeDirectory()),
                new Attribute("loginShell", account.loginShell()),
                new Attribute("unicodePwd", quotedUtf16(randomPassword())),
                new Attribute("userAccountControl", Integer.toString(ENABLED_ACCOUNT))));
        return dn;
    }

    /** 40 random characters from four classes, so any AD complexity policy accepts it. */
    static String randomPassword() {
        StringBuilder password = new StringBuilder("Aa1-");
        for (int i = 0; i < 36; i++) {
            password.append(PASSWORD_CHARACTERS.charAt(RANDOM.nextInt(PASSWORD_CHARACTERS.length())));
        }
        return password.toString();
    }

    /** AD's unicodePwd: the password in double quotes, encoded UTF-16LE. */
    static byte[] quotedUtf16(String password) {
        return ("\"" + password + "\"").getBytes(StandardCharsets.UTF_16LE);
    }

    @Override
    public List<String> addNumbers(ObservedEntry existing, NewAccount account) throws LDAPException {
        SearchResultEntry entry = connection.getEntry(existing.dn(), "unixHomeDirectory", "loginShell");
        List<Modification> changes = new ArrayList<>();
        List<String> added = new ArrayList<>();
        PosixDirectory.addMissingNumbers(existing, account, changes, added);
        if (entry == null || !entry.hasAttribute("unixHomeDirectory")) {
            changes.add(new Modification(ModificationType.ADD, "unixHomeDirectory", account.homeDirectory()));
            added.add("unixHomeDirectory");
        }
        if (entry == null || !entry.hasAttribute("loginShell")) {
            changes.add(new Modification(ModificationType.ADD, "loginShell", account.loginShell()));
            added.add("loginShell");
        }
        connection.modify(existing.dn(), changes);
        return added;
    }

    @Override
    public void addGroupNumber(ObservedEntry existing, int gidNumber) throws LDAPException {
        connection.modify(existing.dn(), new Modification(ModificationType.ADD, "gidNumber", Integer.toString(gidNumber)));
    }

    @Override
    public boolean uidNumberTaken(int uidNumber) throws LDAPException {
        return any(Filter.createANDFilter(Filter.createEqualityFilter("objectClass", "user"),
                Filter.createEqualityFilter("uidNumber", Integer.toString(uidNumber))));
    }

    @Override
    public Optional<ObservedEntry> findGroup(String name) throws LDAPException {
        return findOne(Filter.createANDFilter(Filter.createEqualityFilter("objectClass", "group"),
                Filter.createEqualityFilter("sAMAccountName", name)));
    }

    @Override
    public boolean gidNumberTaken(int gidNumber) throws LDAPException {
        return any(Filter.createANDFilter(Filter.createEqualityFilter("objectClass", "group"),
                Filter.createEqualityFilter("gidNumber", Integer.toString(gidNumber))));
    }

    @Override
    public String createGroup(String name, int gidNumber, Map<String, String> members) throws LDAPException {
        String dn = new DN(new RDN("CN", name), new DN(server.groupsDn())).toString();
        List<Attribute> attributes = new ArrayList<>(List.of(
                new Attribute("objectClass", "top", "group"),
                new Attribute("cn", name),
                new Attribute("sAMAccountName", name),
                new Attribute("gidNumber", Integer.toString(gidNumber))));
        if (!members.isEmpty()) {
            attributes.add(new Attribute("member", new TreeMap<>(members).values()));
        }
        connection.add(new Entry(dn, attributes));
        return dn;
    }

    @Override
    public List<String> syncMembers(ObservedEntry group, Map<String, String> wanted, Set<String> keep)
            throws LDAPException {
        Map<DN, String> current = new HashMap<>();
        for (String member : group.members()) {
            current.put(new DN(member), member);
        }
        Set<DN> keepDns = new java.util.HashSet<>();
        for (String kept : keep) {
            if (DN.isValidDN(kept)) { // keep also holds usernames, which are LDAP's way of naming members
                keepDns.add(new DN(kept));
            }
        }
        Map<DN, String> wantedDns = new HashMap<>();
        for (String dn : new TreeMap<>(wanted).values()) {
            wantedDns.put(new DN(dn), dn);
        }
        List<String> toAdd = new ArrayList<>();
        wantedDns.forEach((dn, text) -> {
            if (!current.containsKey(dn)) {
                toAdd.add(text);
            }
        });
        List<String> toRemove = new ArrayList<>();
        current.forEach((dn, text) -> {
            if (!wantedDns.containsKey(dn) && !keepDns.contains(dn)) {
                toRemove.add(text);
            }
        });
        toAdd.sort(null);
        toRemove.sort(null);
        List<Modification> changes = new ArrayList<>();
        if (!toAdd.isEmpty()) {
            changes.add(new Modification(ModificationType.ADD, "member", toAdd.toArray(String[]::new)));
        }
        if (!toRemove.isEmpty()) {
            changes.add(new Modification(ModificationType.DELETE, "member", toRemove.toArray(String[]::new)));
        }
        if (!changes.isEmpty()) {
            connection.modify(group.dn(), changes);
        }
        List<String> done = new ArrayList<>();
        toAdd.forEach(dn -> done.add("+" + dn));
        toRemove.forEach(dn -> done.add("-" + dn));
        return done;
    }

    private Optional<ObservedEntry> findOne(Filter filter) throws LDAPException {
        SearchResult result = connection.search(domainDn, SearchScope.SUB, filter, "uidNumber", "gidNumber", "member");
        List<SearchResultEntry> entries = result.getSearchEntries();
        if (entries.isEmpty()) {
            return Optional.empty();
        }
        if (entries.size() > 1) {
            throw new LDAPException(ResultCode.CONSTRAINT_VIOLATION, "more than one entry matches " + filter
                    + " under " + domainDn + ": " + entries.stream().map(Entry::getDN).toList());
        }
        return Optional.of(PosixDirectory.observed(entries.get(0), "member"));
    }

    private boolean any(Filter filter) throws LDAPException {
        return connection.search(domainDn, SearchScope.SUB, filter, "1.1").getEntryCount() > 0;
    }

    @Override
    public void close() {
        connection.close();
    }
}
