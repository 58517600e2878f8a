package cn.ac.ihep.heps.common.activity;

import java.util.List;

/**
 * The agent's answer to an {@link ActivityReport}: for each desktop of the report whose idle
 * policy disconnects sessions, how long a session may go without input and how long before
 * that the user is warned. A desktop not listed has no such limit.
 */
public record ActivityAnswer(List<DisconnectLimit> limits) {

    public record DisconnectLimit(String serverId, long afterSeconds, long warnSeconds) {
    }
}
