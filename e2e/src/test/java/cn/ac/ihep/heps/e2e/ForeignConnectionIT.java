package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import cn.ac.ihep.heps.testsupport.guacamole.web.AuthenticatedSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.FrameWait;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;

/** A connection identifier that is not the user's own, sent straight to the tunnel: refused, never drawn. */
@ExtendWith(E2eEnvironment.Extension.class)
class ForeignConnectionIT {

    @Test
    void anotherUsersDesktopIsRefusedAtTheTunnel(E2eEnvironment env, TestReporter report) {
        AuthenticatedSession session = DesktopScreens.login(env, env.linux.username());
        List<String> foreign = new ArrayList<>(List.of(env.second.serverId(), UUID.randomUUID().toString()));
        env.windows.ifPresent(windows -> foreign.add(windows.serverId()));
        for (String serverId : foreign) {
            try (TunnelSession tunnel = env.guacamole.tunnel().open(session.authToken(), DesktopScreens.parameters(serverId))) {
                FrameWait outcome = tunnel.awaitFirstFrame(Duration.ofSeconds(20));
                FrameWait.Ended ended = assertInstanceOf(FrameWait.Ended.class, outcome,
                        () -> env.linux.username() + " opening " + serverId + ": " + outcome);
                assertFalse(ended.status().isSuccess(), ended.status()::toString);
                assertEquals(0, tunnel.frames().count());
                assertEquals(0, tunnel.opcodeCounts().getOrDefault("img", 0L));
                Measurements.record(report, "refused " + serverId, ended.status().toString());
            }
        }
    }
}
