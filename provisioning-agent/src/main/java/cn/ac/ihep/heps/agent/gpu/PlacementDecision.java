package cn.ac.ihep.heps.agent.gpu;

import java.util.Objects;

/** The answer of a {@link GpuPlacementStrategy}: boot on a host, or hold the desktop back. */
public sealed interface PlacementDecision {

    /** Boot the desktop on {@code host} (the Nova compute host name Placement reports). */
    record Place(String host) implements PlacementDecision {
        public Place {
            Objects.requireNonNull(host, "host");
        }
    }

    /**
     * Do not boot now. {@code reason} is a sentence for the operator: what was asked, what the
     * hosts have, and whether waiting can help.
     */
    record Hold(String reason) implements PlacementDecision {
        public Hold {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
