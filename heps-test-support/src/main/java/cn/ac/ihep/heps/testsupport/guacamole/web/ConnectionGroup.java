package cn.ac.ihep.heps.testsupport.guacamole.web;

import java.util.ArrayList;
import java.util.List;

/** A connection group with what it holds, as {@code connectionGroups/ROOT/tree} answers. */
public record ConnectionGroup(String identifier, String name, String parentIdentifier, String type,
        List<Connection> childConnections, List<ConnectionGroup> childConnectionGroups) {

    public ConnectionGroup {
        childConnections = childConnections == null ? List.of() : List.copyOf(childConnections);
        childConnectionGroups = childConnectionGroups == null ? List.of() : List.copyOf(childConnectionGroups);
    }

    /** Every connection in this group and the groups below it. */
    public List<Connection> allConnections() {
        List<Connection> all = new ArrayList<>(childConnections);
        for (ConnectionGroup group : childConnectionGroups) {
            all.addAll(group.allConnections());
        }
        return all;
    }
}
