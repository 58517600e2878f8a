package cn.ac.ihep.heps.common.desktop;

import java.util.Optional;

/**
 * Nova server tags that mark desktop VMs and say who may use them (CONTRACTS §2).
 * Nova limits a tag to 60 characters and forbids '/' and ',' in it.
 */
public final class DesktopTags {

    /** Carried by every desktop VM; the resolver and the agent list servers by it. */
    public static final String DESKTOP = "heps-desktop";

    public static final String OWNER_PREFIX = "heps-owner:";
    public static final String USER_PREFIX = "heps-user:";
    public static final String GROUP_PREFIX = "heps-group:";

    private DesktopTags() {
    }

    public static String owner(String username) {
        return OWNER_PREFIX + username;
    }

    public static String user(String username) {
        return USER_PREFIX + username;
    }

    public static String group(String groupName) {
        return GROUP_PREFIX + groupName;
    }

    /** The username in a {@code heps-owner:} tag, if the tag is one. */
    public static Optional<String> ownerOf(String tag) {
        return valueAfter(tag, OWNER_PREFIX);
    }

    public static Optional<String> userOf(String tag) {
        return valueAfter(tag, USER_PREFIX);
    }

    public static Optional<String> groupOf(String tag) {
        return valueAfter(tag, GROUP_PREFIX);
    }

    private static Optional<String> valueAfter(String tag, String prefix) {
        if (tag == null || !tag.startsWith(prefix) || tag.length() == prefix.length()) {
            return Optional.empty();
        }
        return Optional.of(tag.substring(prefix.length()));
    }
}
