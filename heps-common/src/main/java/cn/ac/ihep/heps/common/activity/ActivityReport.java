package cn.ac.ihep.heps.common.activity;

import java.util.List;

/**
 * What one Guacamole node tells the provisioning agent about the desktop sessions it holds
 * ({@code POST /v1/desktop-activity}, bearer token). Sent by the VM resolver every report
 * interval, and at once when a connection opens. Times are ISO-8601 instants
 * ({@code 2026-12-01T08:00:00Z}), on the node's clock.
 *
 * @param node the node's name; the agent keeps one picture per node
 * @param instance changes when the node restarts, so its sequence may start again
 * @param sequence grows with every report of this instance; an older report that arrives late
 *     changes nothing
 * @param complete false when {@code desktops} had to be cut short to bound the report; then
 *     the agent takes no desktop of this node for unused until a complete report comes
 * @param dropped events this node has dropped since it started because its queue was full
 *     (the agent was away too long)
 * @param desktops every desktop this node has a connection open to, now
 * @param events connections opened and closed since the last report that reached the agent
 * @param joins live sessions joined by someone other than whoever opened them (support staff,
 *     share links) since the last report that reached the agent; the agent audits each
 */
public record ActivityReport(String node, String instance, long sequence, boolean complete, long dropped,
        List<OpenDesktop> desktops, List<SessionEvent> events, List<SessionJoin> joins) {

    /** Most desktops one report lists before it is cut short ({@code complete} false). */
    public static final int MAX_DESKTOPS = 1500;
    /** Most events one report carries; the rest wait for the next. */
    public static final int MAX_EVENTS = 500;
    /** Most joins one report carries; the rest wait for the next. */
    public static final int MAX_JOINS = 500;

    /** A report without joins (as nodes sent before joins were reported). */
    public ActivityReport(String node, String instance, long sequence, boolean complete, long dropped,
            List<OpenDesktop> desktops, List<SessionEvent> events) {
        this(node, instance, sequence, complete, dropped, desktops, events, List.of());
    }

    /**
     * A desktop with connections open on the node.
     *
     * @param lastInputAt the latest mouse or keyboard input over those connections, or null
     * @param disconnectAt when the node will close a connection to it for lack of input
     *     (the earliest, once the user has been warned), or null
     */
    public record OpenDesktop(String serverId, int connections, String lastInputAt, String disconnectAt) {
    }

    /**
     * One connection opened or closed.
     *
     * @param type {@code opened} or {@code closed}
     * @param lastInputAt for {@code closed}: the connection's last input, or null
     */
    public record SessionEvent(String serverId, String type, String at, String lastInputAt) {

        public static final String OPENED = "opened";
        public static final String CLOSED = "closed";
    }

    /**
     * Someone joined a live desktop session that was not theirs: a support user watching it
     * (view only), or the holder of a share link.
     *
     * @param via {@code support-view}, {@code share-view} or {@code share-full}
     * @param user the facility username of a support user; null for a share link's holder, who
     *     signs in with the link alone
     * @param sessionOf who opened the session that was joined
     * @param from the joining browser's address, or null
     */
    public record SessionJoin(String serverId, String via, String user, String sessionOf, String at, String from) {

        public static final String SUPPORT_VIEW = "support-view";
        public static final String SHARE_VIEW = "share-view";
        public static final String SHARE_FULL = "share-full";
    }
}
