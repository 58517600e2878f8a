package cn.ac.ihep.heps.guacamole.resolver.user;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.guacamole.resolver.InMemoryCloud;
import cn.ac.ihep.heps.guacamole.resolver.PropertiesEnvironment;
import cn.ac.ihep.heps.guacamole.resolver.ResolverFixture;
import cn.ac.ihep.heps.guacamole.resolver.TestUser;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.guacamole.net.auth.Connection;
import org.apache.guacamole.net.auth.UserContext;
import org.apache.guacamole.net.auth.permission.ObjectPermission;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The security invariant, on random worlds: a user is offered exactly the desktops whose
 * tags name them (owner or extra user) or one of their groups, never another's, and can
 * only READ them, with no parameter visible.
 */
class AccessInvariantTest {

    private static final ServerState[] STATES = ServerState.values();

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 1234, 99991, 20260101, 7777777})
    void usersSeeExactlyTheDesktopsTheirTagsGrant(long seed) throws Exception {
        Random random = new Random(seed);
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            users.add("user" + i);
        }
        // Names that are prefixes/extensions of each other, to catch sloppy matching.
        users.addAll(List.of("al", "alice", "alice2", "Alice", "alice.b", "x:y"));
        List<String> groups = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            groups.add("exp-" + i);
        }
        groups.addAll(List.of("exp-1x", "beamline:b1"));

        Map<String, Set<String>> membership = new HashMap<>();
        for (String user : users) {
            Set<String> mine = new HashSet<>();
            for (String group : groups) {
                if (random.nextInt(8) == 0) {
                    mine.add(group);
                }
            }
            membership.put(user, mine);
        }

        InMemoryCloud cloud = new InMemoryCloud();
        Map<String, Set<String>> tagsById = new HashMap<>();
        for (int i = 0; i < 250; i++) {
            Set<String> tags = new HashSet<>();
            if (random.nextInt(10) != 0) {
                tags.add("heps-desktop");
            }
            tags.add("heps-owner:" + pick(random, users));
            for (int extra = random.nextInt(3); extra > 0; extra--) {
                tags.add("heps-user:" + pick(random, users));
            }
            for (int shared = random.nextInt(3); shared > 0; shared--) {
                tags.add("heps-group:" + pick(random, groups));
            }
            // Noise that must grant nothing.
            tags.add(pick(random, List.of("heps-owner:", "heps-owner", "owner:" + pick(random, users),
                    "heps-users:" + pick(random, users), "heps-group-" + pick(random, groups), "gpu")));
            String id = "vm-" + seed + "-" + i;
            tagsById.put(id, tags);
            cloud.put(InMemoryCloud.server(id, "desktop " + i, STATES[random.nextInt(STATES.length)],
                    "10.1." + (i / 200) + "." + (i % 200), tags, Map.of()));
        }

        try (ResolverFixture fixture = ResolverFixture.start(cloud,
                new PropertiesEnvironment().set("heps-vm-no-desktop-action", "empty"))) {
            for (String user : users) {
                Set<String> expected = new HashSet<>();
                for (Map.Entry<String, Set<String>> server : tagsById.entrySet()) {
                    Set<String> tags = server.getValue();
                    boolean grants = tags.contains("heps-owner:" + user) || tags.contains("heps-user:" + user)
                            || membership.get(user).stream().anyMatch(g -> tags.contains("heps-group:" + g));
                    if (tags.contains("heps-desktop") && grants) {
                        expected.add(server.getKey());
                    }
                }
                UserContext context = fixture.provider().getUserContext(new TestUser(user, membership.get(user)));
                Set<String> offered = context.getConnectionDirectory().getIdentifiers();
                assertEquals(expected, offered, "desktops offered to " + user + " (seed " + seed + ")");
                Set<ObjectPermission> permissions = context.self().getConnectionPermissions().getPermissions();
                for (ObjectPermission permission : permissions) {
                    assertEquals(ObjectPermission.Type.READ, permission.getType());
                    assertTrue(offered.contains(permission.getObjectIdentifier()));
                }
                assertEquals(offered.size(), permissions.size());
                assertTrue(context.self().getSystemPermissions().getPermissions().isEmpty());
                assertTrue(context.self().getUserPermissions().getPermissions().stream()
                        .allMatch(p -> p.getType() == ObjectPermission.Type.READ));
                for (Connection connection : context.getConnectionDirectory().getAll(offered)) {
                    assertTrue(connection.getConfiguration().getParameters().isEmpty());
                }
            }
        }
    }

    private static String pick(Random random, List<String> values) {
        return values.get(random.nextInt(values.size()));
    }
}
