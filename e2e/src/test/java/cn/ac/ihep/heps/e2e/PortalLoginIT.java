package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.testsupport.guacamole.web.ApiResult;
import cn.ac.ihep.heps.testsupport.guacamole.web.AuthenticatedSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.Connection;
import cn.ac.ihep.heps.testsupport.guacamole.web.GuacamoleWebClient;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The portal hand-off through the real web application: who gets which connections. */
@ExtendWith(E2eEnvironment.Extension.class)
class PortalLoginIT {

    @Test
    void eachUserIsOfferedExactlyTheirOwnDesktops(E2eEnvironment env) {
        assertOffered(env, env.linux, Set.of(env.linux.serverId()), "vnc");
        assertOffered(env, env.second, Set.of(env.second.serverId()), "vnc");
        env.windows.ifPresent(windows -> assertOffered(env, windows, Set.of(windows.serverId()), "rdp"));
    }

    /**
     * Desktops are personal unless the experiment asks otherwise: a member whose token names the
     * experiment group is still not offered another member's desktop, nor can open it.
     */
    @Test
    void aMemberOfTheExperimentGroupIsNotOfferedAnotherMembersPersonalDesktop(E2eEnvironment env) {
        AuthenticatedSession session = DesktopScreens.login(env, env.linux.username(), env.linux.proposalId());
        Map<String, Connection> connections = env.guacamole.web().connections(session.authToken(), DesktopScreens.RESOLVER)
                .orThrow();
        assertEquals(Set.of(env.linux.serverId()), connections.keySet());
        CloudServer other = env.cloud.findServer(env.second.serverId()).orElseThrow();
        assertTrue(other.tags().stream().noneMatch(tag -> tag.startsWith("heps-group:")),
                () -> "the agent tagged " + env.second.username() + "'s personal desktop for the group: " + other.tags());
    }

    @Test
    void aUserWithoutADesktopIsToldSoAtLogin(E2eEnvironment env) {
        ApiResult<AuthenticatedSession> result = env.guacamole.web()
                .loginWithPortalToken(env.portalToken(env.withoutDesktop));
        assertEquals(404, result.httpStatus(), () -> "answer: " + result);
        assertEquals("NOT_FOUND", result.error().type());
        assertTrue(result.error().message().contains("No desktop is assigned to you"), result.error().message());
    }

    @Test
    void aPortalTokenOpensOneSessionOnly(E2eEnvironment env) {
        GuacamoleWebClient web = env.guacamole.web();
        String token = env.portalToken(env.linux.username());
        assertTrue(web.loginWithPortalToken(token).isOk());
        ApiResult<AuthenticatedSession> replay = web.loginWithPortalToken(token);
        assertEquals(403, replay.httpStatus(), () -> "answer: " + replay);
        assertEquals("INVALID_CREDENTIALS", replay.error().type());
    }

    private static void assertOffered(E2eEnvironment env, DesktopUser user, Set<String> serverIds, String protocol) {
        AuthenticatedSession session = DesktopScreens.login(env, user.username());
        assertEquals(user.username(), session.username());
        assertTrue(session.availableDataSources().contains(DesktopScreens.RESOLVER), session.availableDataSources()::toString);
        GuacamoleWebClient web = env.guacamole.web();
        Map<String, Connection> connections = web.connections(session.authToken(), DesktopScreens.RESOLVER).orThrow();
        assertEquals(serverIds, connections.keySet(), () -> user.username() + " is offered " + connections.values());
        connections.values().forEach(connection -> assertEquals(protocol, connection.protocol(), connection::toString));
        Set<String> inTree = web.connectionTree(session.authToken(), DesktopScreens.RESOLVER).orThrow().allConnections()
                .stream().map(Connection::identifier).collect(Collectors.toSet());
        assertEquals(serverIds, inTree);
    }
}
