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
 * <p>AD enables a user only when it has a password. Each new user gets a long random one, sent
 * over LDAPS (AD refuses {@code unicodePwd} otherwise) and never logged: with RDP single sign-on
 * the one {@link AccountPasswords} keeps and rotates, otherwise one nobody keeps.
 *
 * <p>Computer accounts for Windows desktops ({@code computer} objects, {@code sAMAccountName}
 * {@code <NAME>$}) are pre-staged here with a random one-time password ({@link ComputerAccounts}).
 */
final class ActiveDirectory implements AccountDirectory {
    /** NORMAL_ACCOUNT: enabled. */
    static final int ENABLED_ACCOUNT = 512;
    /** WORKSTATION_TRUST_ACCOUNT: an enabled member computer. */
    static final int WORKSTATION_ACCOUNT = 4096;
    /** AD's limit for a computer's name (NetBIOS), without the trailing $. */
    static final int MAX_COMPUTER_NAME = 15;
    /** AD's limit for the pre-Windows 2000 logon name. */
    static final int MAX_SAM_ACCOUNT_NAME = 20;

    /** The password a new account is created with. */
    interface InitialPasswords {
        String forNewAccount(String username);
    }

    private final LDAPConnection connection;
    private final DirectoryServer server;
    private final String upnSuffix;
    private final String domainDn;
    private final InitialPasswords initialPasswords;

    private ActiveDirectory(LDAPConnection connection, DirectoryServer server, String upnSuffix, String domainDn,
            InitialPasswords initialPasswords) {
        this.connection = connection;
        this.server = server;
        this.upnSuffix = upnSuffix;
        this.domainDn = domainDn;
        this.initialPasswords = initialPasswords;
    }

    /** New accounts get a random password nobody keeps. */
    static ActiveDirectory connect(DirectoryServer server, String upnSuffix) {
        return connect(server, upnSuffix, username -> AdPasswords.random());
    }

    static ActiveDirectory connect(DirectoryServer server, String upnSuffix, InitialPasswords initialPasswords) {
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
        return new ActiveDirectory(connection, server, upnSuffix, domainDn, initialPasswords);
    }

    /** The domain's naming context, e.g. DC=heps,DC=test. */
    String domainDn() {
        return domainDn;
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
                new Attribute("unicodePwd", AdPasswords.quotedUtf16(initialPasswords.forNewAccount(account.username()))),
                new Attribute("userAccountControl", Integer.toString(ENABLED_ACCOUNT))));
        return dn;
    }

    /**
     * Replaces the user's password (an administrator's reset: no old password needed). Throws
     * NO_SUCH_OBJECT when there is no such user.
     */
    void setPassword(String username, String password) throws LDAPException {
        ObservedEntry account = findAccount(username).orElseThrow(() -> new LDAPException(ResultCode.NO_SUCH_OBJECT,
                "AD has no user with sAMAccountName '" + username + "'"));
        connection.modify(account.dn(), new Modification(ModificationType.REPLACE, "unicodePwd",
                AdPasswords.quotedUtf16(password)));
    }

    /**
     * Makes the computer account {@code CN=<name>,<ou>} (sAMAccountName {@code <NAME>$}) an enabled
     * workstation with this password: creates it, or resets the one of that name in that OU (a
     * desktop made again for the same member and experiment has the same name). One of that name
     * elsewhere is refused. Returns its DN.
     */
    String prestageComputer(String name, String organizationalUnit, String dnsHostName, String password)
            throws LDAPException {
        if (name.length() > MAX_COMPUTER_NAME || !name.matches("[A-Za-z0-9-]+")) {
            throw new LDAPException(ResultCode.CONSTRAINT_VIOLATION, "'" + name + "' is not a computer name AD "
                    + "accepts (at most " + MAX_COMPUTER_NAME + " letters, digits and '-')");
        }
        String account = name.toUpperCase(java.util.Locale.ROOT) + "$";
        Optional<ObservedEntry> existing = findOne(Filter.createANDFilter(
                Filter.createEqualityFilter("objectClass", "computer"),
                Filter.createEqualityFilter("sAMAccountName", account)));
        byte[] unicodePwd = AdPasswords.quotedUtf16(password);
        if (existing.isPresent() && !new DN(existing.get().dn()).getParent().equals(new DN(organizationalUnit))) {
            // Not one the agent made: someone else's computer is never reset.
            throw new LDAPException(ResultCode.ENTRY_ALREADY_EXISTS, "a computer account " + account + " exists "
                    + "outside " + organizationalUnit + " (" + existing.get().dn() + "); the agent leaves it alone");
        }
        if (existing.isPresent()) {
            connection.modify(existing.get().dn(),
                    new Modification(ModificationType.REPLACE, "unicodePwd", unicodePwd),
                    new Modification(ModificationType.REPLACE, "userAccountControl",
                            Integer.toString(WORKSTATION_ACCOUNT)));
            return existing.get().dn();
        }
        String dn = new DN(new RDN("CN", name.toUpperCase(java.util.Locale.ROOT)), new DN(organizationalUnit))
                .toString();
        connection.add(new Entry(dn,
                new Attribute("objectClass", "top", "person", "organizationalPerson", "user", "computer"),
                new Attribute("cn", name.toUpperCase(java.util.Locale.ROOT)),
                new Attribute("sAMAccountName", account),
                new Attribute("dNSHostName", dnsHostName),
                new Attribute("unicodePwd", unicodePwd),
                new Attribute("userAccountControl", Integer.toString(WORKSTATION_ACCOUNT))));
        return dn;
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
