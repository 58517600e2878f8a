package cn.ac.ihep.heps.agent.idle;

import java.time.Instant;

/** What {@link IdlePolicy#judge} says about one running desktop at one reconcile pass. */
public sealed interface IdleVerdict {

    /** Leave it running; {@code reason} says why, for the operator. */
    record Keep(String reason) implements IdleVerdict {
    }

    /**
     * Unused for longer than the policy allows, as far as the reports received so far tell. The
     * agent records {@code dueSince} and shelves at a later pass, once every node has reported
     * again and still nobody uses the desktop: a connection opened just before this pass cannot
     * be missed because its report was still on the way.
     */
    record Due(Instant dueSince, Instant idleSince) implements IdleVerdict {
    }

    /** Shelve it now: {@code reason} goes into the audit log and the desktop's reason. */
    record Shelve(String reason, Instant idleSince) implements IdleVerdict {
    }
}
