package cn.ac.ihep.heps.guacamole.resolver.support;

import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;
import java.util.Set;

/**
 * Which desktops a support user may watch: those of every beamline, or of some beamlines only.
 * A desktop that names no beamline is watched by site-wide support only.
 */
public record SupportScope(boolean everyBeamline, Set<String> beamlines) {

    public static final SupportScope NONE = new SupportScope(false, Set.of());

    public SupportScope {
        beamlines = everyBeamline ? Set.of() : Set.copyOf(beamlines);
    }

    public boolean isEmpty() {
        return !everyBeamline && beamlines.isEmpty();
    }

    public boolean covers(Desktop desktop) {
        return everyBeamline || desktop.beamline() != null && beamlines.contains(desktop.beamline());
    }

    /** Both scopes together. */
    public SupportScope and(SupportScope other) {
        if (everyBeamline || other.everyBeamline) {
            return new SupportScope(true, Set.of());
        }
        Set<String> union = new java.util.HashSet<>(beamlines);
        union.addAll(other.beamlines);
        return new SupportScope(false, union);
    }
}
