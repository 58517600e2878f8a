package cn.ac.ihep.heps.guacamole.resolver.index;

import java.time.Duration;
import java.util.List;

/**
 * The answer to "which desktops may this user open?".
 *
 * @param desktops the user's desktops; empty when none is known
 * @param indexAvailable false when no listing of the desktops has ever succeeded
 * @param indexAge how old the listing behind the answer is
 */
public record DesktopLookup(List<Desktop> desktops, boolean indexAvailable, Duration indexAge) {

    public DesktopLookup {
        desktops = List.copyOf(desktops);
    }

    static DesktopLookup unavailable() {
        return new DesktopLookup(List.of(), false, Duration.ZERO);
    }
}
