package cn.ac.ihep.heps.common.cloud;

import java.util.Set;

/**
 * Which servers to list: all tags in {@code allTags} and at least one of {@code anyTags}
 * (when not empty). Nova honours these filters only at compute microversion 2.26 or later.
 */
public record ServerQuery(Set<String> allTags, Set<String> anyTags) {

    public ServerQuery {
        allTags = Set.copyOf(allTags);
        anyTags = Set.copyOf(anyTags);
    }

    public static ServerQuery withTag(String tag) {
        return new ServerQuery(Set.of(tag), Set.of());
    }

    public static ServerQuery withTagAndAnyOf(String tag, Set<String> anyTags) {
        return new ServerQuery(Set.of(tag), anyTags);
    }
}
