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
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The facility's LDAP (RFC 2307): accounts are {@code inetOrgPerson} + {@code posixAccount}
 * entries {@code uid=<user>} under the people DN, without {@code userPassword} (the unified
 * authentication owns passwords); experiment groups are {@code posixGroup} entries
 * {@code cn=<group>} under the groups DN, members as {@code memberUid}.
 */
final class PosixDirectory implements AccountDirectory {
    private final LDAPConnection connection;
    private final DirectoryServer server;

    private PosixDirectory(LDAPConnection connection, DirectoryServer server) {
        this.connection = connection;
        this.server = server;
    }

    static PosixDirectory connect(DirectoryServer server) {
        return new PosixDirectory(DirectoryConnections.open(server, "LDAP"), server);
    }

    @Override
    public String side() {
        return "LDAP";
    }

    @Override
    public Optional<ObservedEntry> findAccount(String username) throws LDAPException {
        return findOne(server.accountsDn(), Filter.createEqualityFilter("uid", username), "memberUid");
    }

    @Override
    public String createAccount(NewAccount account) throws LDAPException {
        String dn = new DN(new RDN("uid", account.username()), new DN(server.accountsDn())).toString();
        connection.add(new Entry(dn,
                new Attribute("objectClass", "top", "inetOrgPerson", "posixAccount"),
                new Attribute("uid", account.username()),
                new Attribute("cn", account.username()),
                new Attribute("sn", account.username()),
                new Attribute("uidNumber", Integer.toString(account.uidNumber())),
                new Attribute("gidNumber", Integer.toString(account.gidNumber())),
                new Attribute("homeDirectory", account.homeDirectory()),
                new Attribute("loginShell", account.loginShell())));
        return dn;
    }

    @Override
    public List<String> addNumbers(ObservedEntry existing, NewAccount account) throws LDAPException {
        SearchResultEntry entry = connection.getEntry(existing.dn(), "objectClass", "homeDirectory", "loginShell");
        List<Modification> changes = new ArrayList<>();
        List<String> added = new ArrayList<>();
        if (entry != null && !entry.hasObjectClass("posixAccount")) {
            changes.add(new Modification(ModificationType.ADD, "objectClass", "posixAccount"));
            added.add("objectClass=posixAccount");
        }
        addMissingNumbers(existing, account, changes, added);
        if (entry == null || !entry.hasAttribute("homeDirectory")) {
            changes.add(new Modification(ModificationType.ADD, "homeDirectory", account.homeDirectory()));
            added.add("homeDirectory");
        }
        if (entry == null || !entry.hasAttribute("loginShell")) {
            changes.add(new Modification(ModificationType.ADD, "loginShell", account.loginShell()));
            added.add("loginShell");
        }
        connection.modify(existing.dn(), changes);
        return added;
    }

    static void addMissingNumbers(ObservedEntry existing, NewAccount account, List<Modification> changes,
            List<String> added) {
        if (existing.uidNumber() == null) {
            changes.add(new Modification(ModificationType.ADD, "uidNumber", Integer.toString(account.uidNumber())));
            added.add("uidNumber");
        }
        if (existing.gidNumber() == null) {
            changes.add(new Modification(ModificationType.ADD, "gidNumber", Integer.toString(account.gidNumber())));
            added.add("gidNumber");
        }
    }

    @Override
    public void addGroupNumber(ObservedEntry existing, int gidNumber) throws LDAPException {
        connection.modify(existing.dn(), new Modification(ModificationType.ADD, "gidNumber", Integer.toString(gidNumber)));
    }

    @Override
    public boolean uidNumberTaken(int uidNumber) throws LDAPException {
        return any(server.accountsDn(), Filter.createEqualityFilter("uidNumber", Integer.toString(uidNumber)));
    }

    @Override
    public Optional<ObservedEntry> findGroup(String name) throws LDAPException {
        return findOne(server.groupsDn(), Filter.createANDFilter(Filter.createEqualityFilter("objectClass", "posixGroup"),
                Filter.createEqualityFilter("cn", name)), "memberUid");
    }

    @Override
    public boolean gidNumberTaken(int gidNumber) throws LDAPException {
        return any(server.groupsDn(), Filter.createANDFilter(Filter.createEqualityFilter("objectClass", "posixGroup"),
                Filter.createEqualityFilter("gidNumber", Integer.toString(gidNumber))));
    }

    @Override
    public String createGroup(String name, int gidNumber, Map<String, String> members) throws LDAPException {
        String dn = new DN(new RDN("cn", name), new DN(server.groupsDn())).toString();
        List<Attribute> attributes = new ArrayList<>(List.of(
                new Attribute("objectClass", "top", "posixGroup"),
                new Attribute("cn", name),
                new Attribute("gidNumber", Integer.toString(gidNumber))));
        if (!members.isEmpty()) {
            attributes.add(new Attribute("memberUid", new TreeSet<>(members.keySet())));
        }
        connection.add(new Entry(dn, attributes));
        return dn;
    }

    @Override
    public List<String> syncMembers(ObservedEntry group, Map<String, String> wanted, Set<String> keep)
            throws LDAPException {
        List<String> toAdd = new ArrayList<>();
        for (String username : new TreeSet<>(wanted.keySet())) {
            if (!group.members().contains(username)) {
                toAdd.add(username);
            }
        }
        List<String> toRemove = new ArrayList<>();
        for (String member : new TreeSet<>(group.members())) {
            if (!wanted.containsKey(member) && !keep.contains(member)) {
                toRemove.add(member);
            }
        }
        List<Modification> changes = new ArrayList<>();
        if (!toAdd.isEmpty()) {
            changes.add(new Modification(ModificationType.ADD, "memberUid", toAdd.toArray(String[]::new)));
        }
        if (!toRemove.isEmpty()) {
            changes.add(new Modification(ModificationType.DELETE, "memberUid", toRemove.toArray(String[]::new)));
        }
        if (!changes.isEmpty()) {
            connection.modify(group.dn(), changes);
        }
        List<String> done = new ArrayList<>();
        toAdd.forEach(u -> done.add("+" + u));
        toRemove.forEach(u -> done.add("-" + u));
        return done;
    }

    private Optional<ObservedEntry> findOne(String base, Filter filter, String membersAttribute) throws LDAPException {
        SearchResult result = connection.search(base, SearchScope.SUB, filter, "uidNumber", "gidNumber",
                membersAttribute);
        List<SearchResultEntry> entries = result.getSearchEntries();
        if (entries.isEmpty()) {
            return Optional.empty();
        }
        if (entries.size() > 1) {
            throw new LDAPException(ResultCode.CONSTRAINT_VIOLATION, "more than one entry matches " + filter
                    + " under " + base + ": " + entries.stream().map(Entry::getDN).toList());
        }
        return Optional.of(observed(entries.get(0), membersAttribute));
    }

    static ObservedEntry observed(Entry entry, String membersAttribute) {
        String[] members = entry.getAttributeValues(membersAttribute);
        return new ObservedEntry(entry.getDN(), entry.getAttributeValueAsInteger("uidNumber"),
                entry.getAttributeValueAsInteger("gidNumber"),
                members == null ? Set.of() : Set.copyOf(Arrays.asList(members)));
    }

    private boolean any(String base, Filter filter) throws LDAPException {
        return connection.search(base, SearchScope.SUB, filter, "1.1").getEntryCount() > 0;
    }

    @Override
    public void close() {
        connection.close();
    }
}
