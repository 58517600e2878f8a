package cn.ac.ihep.heps.agent.accounts;

import com.unboundid.ldap.sdk.LDAPException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One directory the agent keeps accounts and groups in (OpenLDAP-style POSIX, or Active
 * Directory), over one connection for one pass. Methods throw {@link LDAPException} when the
 * directory refuses an operation; a lost connection or a timeout is an LDAPException whose
 * result code says the connection is unusable.
 */
interface AccountDirectory extends AutoCloseable {

    /** "LDAP" or "AD", for messages and the audit log. */
    String side();

    Optional<ObservedEntry> findAccount(String username) throws LDAPException;

    /** Creates the account; returns its DN. */
    String createAccount(NewAccount account) throws LDAPException;

    /**
     * Gives an existing account the numbers it lacks (and home and shell where missing);
     * returns the attributes added.
     */
    List<String> addNumbers(ObservedEntry existing, NewAccount account) throws LDAPException;

    /** Whether any account here already has this uidNumber. */
    boolean uidNumberTaken(int uidNumber) throws LDAPException;

    Optional<ObservedEntry> findGroup(String name) throws LDAPException;

    /** Gives an existing group that has no gidNumber the given one. */
    void addGroupNumber(ObservedEntry existing, int gidNumber) throws LDAPException;

    /** Whether any group here already has this gidNumber. */
    boolean gidNumberTaken(int gidNumber) throws LDAPException;

    /** Creates the group with these members (username → the account's DN here); returns its DN. */
    String createGroup(String name, int gidNumber, Map<String, String> members) throws LDAPException;

    /**
     * Makes the group's members {@code wanted} (username → account DN here), keeping also the
     * members named in {@code keep} (usernames or DNs of members whose accounts are in conflict);
     * returns the usernames or DNs added (prefixed "+") and removed (prefixed "-").
     */
    List<String> syncMembers(ObservedEntry group, Map<String, String> wanted, Set<String> keep) throws LDAPException;

    @Override
    void close();
}
