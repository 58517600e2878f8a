package cn.ac.ihep.heps.auth.directory;

import java.util.Optional;
import java.util.Set;

/** A directory account found for a token's subject, with the names of its groups. */
public record DirectoryUser(String dn, String username, Optional<String> displayName, Set<String> groups) {

    public DirectoryUser {
        groups = Set.copyOf(groups);
    }
}
