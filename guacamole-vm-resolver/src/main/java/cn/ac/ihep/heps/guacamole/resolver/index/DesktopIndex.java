package cn.ac.ihep.heps.guacamole.resolver.index;

import cn.ac.ihep.heps.common.desktop.DesktopTags;
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

    private DesktopIndex(Map<String, Desktop> byId, Map<String, List<Desktop>> byAccessTag, Instant listedAt) {
        this.byId = byId;
        this.byAccessTag = byAccessTag;
        this.listedAt = listedAt;
    }

    public static DesktopIndex of(Collection<Desktop> desktops, Instant listedAt) {
        Map<String, Desktop> byId = new LinkedHashMap<>();
        Map<String, List<Desktop>> byAccessTag = new HashMap<>();
        for (Desktop desktop : desktops) {
            byId.put(desktop.id(), desktop);
            for (String tag : desktop.accessTags()) {
                if (grantsAccess(tag)) {
                    byAccessTag.computeIfAbsent(tag, key -> new ArrayList<>()).add(desktop);
                }
            }
        }
        byAccessTag.replaceAll((tag, list) -> List.copyOf(list));
        return new DesktopIndex(Map.copyOf(byId), Map.copyOf(byAccessTag), listedAt);
    }

    private static boolean grantsAccess(String tag) {
        return DesktopTags.ownerOf(tag).isPresent()
                || DesktopTags.userOf(tag).isPresent()
                || DesktopTags.groupOf(tag).isPresent();
    }

    /** The desktops the principal may use, each once, in a stable order (by name, then id). */
    public List<Desktop> desktopsFor(DesktopPrincipal principal) {
        Map<String, Desktop> found = new LinkedHashMap<>();
        for (String tag : principal.accessTags()) {
            for (Desktop desktop : byAccessTag.getOrDefault(tag, List.of())) {
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
