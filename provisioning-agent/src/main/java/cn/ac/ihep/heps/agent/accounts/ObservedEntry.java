package cn.ac.ihep.heps.agent.accounts;

import java.util.Set;

/**
 * An account or group as a directory holds it: its DN, its numbers ({@code null} when the
 * entry has none) and, for a group, its members as the directory names them ({@code memberUid}
 * values in LDAP, {@code member} DNs in AD).
 */
record ObservedEntry(String dn, Integer uidNumber, Integer gidNumber, Set<String> members) {

    ObservedEntry {
        members = Set.copyOf(members);
    }
}
