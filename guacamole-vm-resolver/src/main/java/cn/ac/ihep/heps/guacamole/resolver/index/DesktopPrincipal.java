package cn.ac.ihep.heps.guacamole.resolver.index;

import cn.ac.ihep.heps.common.desktop.DesktopTags;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Who is asking for desktops: a username and the user's effective groups, as whatever
 * extension authenticated the user reports them.
 */
public record DesktopPrincipal(String username, Set<String> groups) {

    public DesktopPrincipal {
        if (username == null || username.isBlank()) {
            throw new IllegalArgumentException("A username is required to look up desktops");
        }
        groups = groups == null ? Set.of() : Set.copyOf(groups);
    }

    /** The server tags that give this principal access: owner, extra user, and one per group. */
    public Set<String> accessTags() {
        Set<String> tags = new LinkedHashSet<>();
        tags.add(DesktopTags.owner(username));
        tags.add(DesktopTags.user(username));
        for (String group : groups) {
            if (group != null && !group.isBlank()) {
                tags.add(DesktopTags.group(group));
            }
        }
        return tags;
    }
}
