package cn.ac.ihep.heps.guacamole.resolver.index;

import cn.ac.ihep.heps.common.desktop.DesktopTags;
import org.apache.guacamole.properties.CaseSensitivity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable snapshot of every desktop VM, indexed by the tags that grant access, so a
 * login's lookup is a few hash probes and never a Nova call.
 */
public final class DesktopIndex {

    private final Map<String, Desktop> byId;
    private final Map<String, List<Desktop>> byAccessTag;
    private final Instant listedAt;
    private final CaseSensitivity caseSensitivity;

    private DesktopIndex(Map<String, Desktop> byId, Map<String, List<Desktop>> byAccessTag, Instant listedAt,
            CaseSensitivity caseSensitivity) {
        this.byId = byId;
        this.byAccessTag = byAccessTag;
        this.listedAt = listedAt;
        this.caseSensitivity = caseSensitivity;
    }

    public static DesktopIndex of(Collection<Desktop> desktops, Instant listedAt) {
        return of(desktops, listedAt, CaseSensitivity.ENABLED);
    }

    /**
     * @param caseSensitivity Guacamole's {@code case-sensitivity} setting: where usernames or
     *     group names are case-insensitive, so is the match against tags
     */
    public static DesktopIndex of(Collection<Desktop> desktops, Instant listedAt, CaseSensitivity caseSensitivity) {
        Map<String, Desktop> byId = new LinkedHashMap<>();
        Map<String, List<Desktop>> byAccessTag = new HashMap<>();
        for (Desktop desktop : desktops) {
            byId.put(desktop.id(), desktop);
            for (String tag : desktop.accessTags()) {
                canonical(tag, caseSensitivity).ifPresent(key ->
                        byAccessTag.computeIfAbsent(key, unused -> new ArrayList<>()).add(desktop));
            }
        }
        byAccessTag.replaceAll((tag, list) -> List.copyOf(list));
        return new DesktopIndex(Map.copyOf(byId), Map.copyOf(byAccessTag), listedAt, caseSensitivity);
    }

    /** Whether the desktop's tags give the principal access, by the same rule as a lookup. */
    public static boolean grants(Desktop desktop, DesktopPrincipal principal, CaseSensitivity caseSensitivity) {
        return !of(List.of(desktop), Instant.EPOCH, caseSensitivity).desktopsFor(principal).isEmpty();
    }

    /** The tag as the index keys it, or empty when it grants no access. */
    private static Optional<String> canonical(String tag, CaseSensitivity caseSensitivity) {
        Optional<String> owner = DesktopTags.ownerOf(tag);
        if (owner.isPresent()) {
            return Optional.of(DesktopTags.owner(caseSensitivity.canonicalizeUsername(owner.get())));
        }
        Optional<String> user = DesktopTags.userOf(tag);
        if (user.isPresent()) {
            return Optional.of(DesktopTags.user(caseSensitivity.canonicalizeUsername(user.get())));
        }
        return DesktopTags.groupOf(tag).map(group -> DesktopTags.group(caseSensitivity.canonicalizeGroupName(group)));
    }

    /** The desktops the principal may use, each once, in a stable order (by name, then id). */
    public List<Desktop> desktopsFor(DesktopPrincipal principal) {
        Map<String, Desktop> found = new LinkedHashMap<>();
        for (String tag : principal.accessTags()) {
            String key = canonical(tag, caseSensitivity).orElse(tag);
            for (Desktop desktop : byAccessTag.getOrDefault(key, List.of())) {
                found.putIfAbsent(desktop.id(), desktop);
            }
        }
        List<Desktop> result = new ArrayList<>(found.values());
        result.sort((a, b) -> {
            int byName = String.valueOf(a.name()).compareTo(String.valueOf(b.name()));
            return byName != 0 ? byName : a.id().compareTo(b.id());
        });
        return result;
    }

    /** Every desktop, in a stable order (by name, then id). */
    public List<Desktop> all() {
        List<Desktop> result = new ArrayList<>(byId.values());
        result.sort((a, b) -> {
            int byName = String.valueOf(a.name()).compareTo(String.valueOf(b.name()));
            return byName != 0 ? byName : a.id().compareTo(b.id());
        });
        return result;
    }

    public Optional<Desktop> find(String serverId) {
        return Optional.ofNullable(byId.get(serverId));
    }

    public int size() {
        return byId.size();
    }

    public Instant listedAt() {
        return listedAt;
    }
}
