package cn.ac.ihep.heps.agent.experiment;

/**
 * Who besides its owner may open a member's desktop ({@code desktop.access} of an experiment).
 * A desktop runs its owner's session, so sharing it with the group is asked for, never assumed.
 */
public enum DesktopAccess {
    /** The owner, and the named users added to that desktop ({@code heps-user:} tags). The default. */
    personal,
    /** Also every member of the experiment group ({@code heps-group:} tag). */
    experiment
}
