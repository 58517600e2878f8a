package cn.ac.ihep.heps.agent.desktop;

/** Where a member's desktop is in its life, as the agent tracks it. */
public enum DesktopState {
    /** Wanted, not yet created (window not open, or waiting for its first pass). */
    PENDING,
    /** An agent claimed it and is booting the VM; the server id may not be known yet. */
    CREATING,
    /** Cannot be created now (no GPU capacity, no image); the reason says why. Retried every pass. */
    HELD,
    /** The VM exists and should be running. */
    RUNNING,
    /** The window ended: the VM is shelved and kept for the retention period. */
    SHELVED,
    /**
     * Shelved during its window because nobody was connected for its idle limit: its GPUs are
     * free, its disk is kept, and the owner's next login wakes it (the VM resolver unshelves it).
     * The agent never wakes it itself.
     */
    SHELVED_IDLE,
    /** Retention ended or the member was removed: the VM is gone. */
    DELETED,
    /** The cloud refused the VM (ERROR state); the reason says why. Retried every pass. */
    FAILED
}
