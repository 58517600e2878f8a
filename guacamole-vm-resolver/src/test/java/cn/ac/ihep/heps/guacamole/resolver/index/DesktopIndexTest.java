package cn.ac.ihep.heps.guacamole.resolver.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.DesktopProtocol;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.apache.guacamole.properties.CaseSensitivity;
import org.junit.jupiter.api.Test;

class DesktopIndexTest {

    private static final List<Desktop> DESKTOPS = List.of(
            new Desktop("vm-1", "b", ServerState.ACTIVE, DesktopProtocol.VNC, "10.0.0.1", Set.of("heps-owner:alice")),
            new Desktop("vm-2", "a", ServerState.ACTIVE, DesktopProtocol.RDP, "10.0.0.2",
                    Set.of("heps-owner:bob", "heps-user:alice", "heps-group:Exp-7")));

    private static List<String> ids(DesktopIndex index, String user, Set<String> groups) {
        return index.desktopsFor(new DesktopPrincipal(user, groups)).stream().map(Desktop::id).toList();
    }

    @Test
    void eachDesktopOnceOrderedByName() {
        DesktopIndex index = DesktopIndex.of(DESKTOPS, Instant.EPOCH);
        assertEquals(List.of("vm-2", "vm-1"), ids(index, "alice", Set.of("Exp-7")));
    }

    @Test
    void namesMatchExactlyWhenGuacamoleIsCaseSensitive() {
        DesktopIndex index = DesktopIndex.of(DESKTOPS, Instant.EPOCH, CaseSensitivity.ENABLED);
        assertEquals(List.of(), ids(index, "Alice", Set.of("exp-7")));
    }

    @Test
    void namesMatchIgnoringCaseWhenGuacamoleIsConfiguredSo() {
        DesktopIndex index = DesktopIndex.of(DESKTOPS, Instant.EPOCH, CaseSensitivity.DISABLED);
        assertEquals(List.of("vm-2", "vm-1"), ids(index, "ALICE", Set.of()));
        assertEquals(List.of("vm-2"), ids(index, "carol", Set.of("EXP-7")));
        // USERS: only usernames are case-sensitive.
        DesktopIndex usersOnly = DesktopIndex.of(DESKTOPS, Instant.EPOCH, CaseSensitivity.USERS);
        assertEquals(List.of("vm-2"), ids(usersOnly, "carol", Set.of("exp-7")));
        assertEquals(List.of(), ids(usersOnly, "ALICE", Set.of()));
    }
}
