package cn.ac.ihep.heps.guacamole.resolver.support;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.guacamole.properties.CaseSensitivity;

/**
 * The directory groups of support staff ({@code heps-support-groups}): a group named alone
 * supports every beamline, {@code <beamline>=<group>} one beamline. A member of such a group is
 * offered, for each desktop of those beamlines, a view-only join of the session its user has open.
 */
public final class SupportGroups {

    public static final SupportGroups NONE = new SupportGroups(Map.of(), CaseSensitivity.ENABLED);

    /** Canonical group name → what its members support. */
    private final Map<String, SupportScope> scopes;
    private final CaseSensitivity caseSensitivity;

    private SupportGroups(Map<String, SupportScope> scopes, CaseSensitivity caseSensitivity) {
        this.scopes = Map.copyOf(scopes);
        this.caseSensitivity = caseSensitivity;
    }

    /**
     * Parses the property's value: entries separated by commas, each {@code <group>} or
     * {@code <beamline>=<group>}.
     *
     * @throws IllegalArgumentException naming the entry that is not one of those
     */
    public static SupportGroups parse(String value, CaseSensitivity caseSensitivity) {
        if (value == null || value.isBlank()) {
            return NONE;
        }
        Map<String, SupportScope> scopes = new LinkedHashMap<>();
        for (String raw : value.split(",")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int equals = entry.indexOf('=');
            SupportScope scope;
            String group;
            if (equals < 0) {
                group = entry;
                scope = new SupportScope(true, Set.of());
            } else {
                String beamline = entry.substring(0, equals).trim();
                group = entry.substring(equals + 1).trim();
                if (beamline.isEmpty() || group.isEmpty() || group.contains("=")) {
                    throw new IllegalArgumentException("\"" + entry + "\" is not <group> or <beamline>=<group>");
                }
                scope = new SupportScope(false, Set.of(beamline));
            }
            scopes.merge(caseSensitivity.canonicalizeGroupName(group), scope, SupportScope::and);
        }
        return new SupportGroups(scopes, caseSensitivity);
    }

    /** What a user in these groups may watch; {@link SupportScope#NONE} for everyone else. */
    public SupportScope scopeOf(Set<String> groups) {
        SupportScope scope = SupportScope.NONE;
        for (String group : groups) {
            if (group != null) {
                SupportScope granted = scopes.get(caseSensitivity.canonicalizeGroupName(group));
                if (granted != null) {
                    scope = scope.and(granted);
                }
            }
        }
        return scope;
    }

    public boolean isEmpty() {
        return scopes.isEmpty();
    }
}
