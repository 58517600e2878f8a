package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.testsupport.guacamole.web.AuthenticatedSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.FrameWait;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelSession;
import cn.ac.ihep.heps.testsupport.ldap.SambaAdTestBed;
import cn.ac.ihep.heps.testsupport.openstack.DesktopIdentity;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import com.fasterxml.jackson.databind.JsonNode;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.awt.Color;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * RDP single sign-on through the real Guacamole, guacd, agent, OpenStack test bed and Samba AD:
 * the Windows desktop (xrdp, joined to the domain with the computer account the agent
 * pre-staged; it signs users in through sssd) opens for its owner's portal token straight into
 * the owner's session, with no prompt. The session is the test bed's stand-in for a Windows
 * session, run by the guest's xrdp-sesman as the user who signed in: it writes {@code id} to a
 * file in the user's home and paints the screen in a colour derived from the server id and the
 * uid and gid it runs as. When the session ends the agent changes the sign-in, and the domain
 * refuses the one the session used.
 */
@ExtendWith(E2eEnvironment.Extension.class)
class RdpSingleSignOnIT {

    private static final Duration READY = Duration.ofMinutes(3);
    private static final Duration ROTATED = Duration.ofMinutes(3);

    @Test
    void theOwnersTokenOpensTheirDomainSessionWithNoPromptAndTheSignInChangesWhenItEnds(E2eEnvironment env,
            TestReporter report) throws Exception {
        Assumptions.assumeTrue(env.windows.isPresent(), "no beamline of the demo agent " + env.demo.beamlines()
                + " has a current Windows image (os_type=windows), so there is no RDP desktop to open");
        String credentialToken = env.demo.credentialToken().orElseThrow(() -> new IllegalStateException(
                "the demo runs without the Samba AD test bed, so there is no single sign-on to test: run "
                        + "dev/samba-ad/up, then dev/demo"));
        DesktopUser user = env.windows.get();
        SambaAdTestBed ad = SambaAdTestBed.require();

        // The agent made the member's AD account; the guest joined the domain and signs users in.
        await("the agent lists " + user.username() + "'s account as ok", READY,
                () -> env.demo.agent().account(user.username()).map(a -> "ok".equals(a.path("state").asText()))
                        .orElse(false));
        JsonNode account = env.demo.agent().account(user.username()).orElseThrow();
        int uid = account.get("uidNumber").asInt();
        int gid = account.get("gidNumber").asInt();
        Path guest = OpenStackTestBed.find().desktopState(user.serverId());
        await("the guest " + guest + " joined the domain and runs xrdp-sesman", READY,
                () -> Files.isRegularFile(guest.resolve("root/etc/heps/machine-account.json"))
                        && Files.isRegularFile(guest.resolve("run/sesman.pid")));
        String dn = adDn(ad, user.username());
        // What a Guacamole node is given now (the test asks as one would, with the credential token).
        String before = env.demo.agent().signInPassword(credentialToken, user.serverId(), user.username());
        assertTrue(ad.accepts(dn, before), "the domain accepts the sign-in the agent keeps");

        Color session = DesktopIdentity.sessionColourOf(user.serverId(), uid, gid);
        long loginStart = System.nanoTime();
        AuthenticatedSession login = DesktopScreens.login(env, user.username());
        try (TunnelSession tunnel = env.guacamole.tunnel().open(login.authToken(), DesktopScreens.parameters(user.serverId()))) {
            FrameWait first = tunnel.awaitFirstFrame(Duration.ofSeconds(45));
            assertInstanceOf(FrameWait.Frames.class, first, () -> "first frame: " + first
                    + tunnel.required().map(r -> "; guacd asked for " + r).orElse(""));
            List<String> mismatches = DesktopScreens.awaitCorners(tunnel, session, Duration.ofSeconds(30));
            long signedIn = System.nanoTime();
            // The box with id in it is painted after the background: a few more frames for the screenshot.
            tunnel.awaitFrames(tunnel.frames().count() + 3, Duration.ofSeconds(2));
            Path shot = DesktopScreens.save(tunnel.display().snapshot(), "rdp-sso-" + user.serverId());
            assertEquals(List.of(), mismatches, () -> "corners of " + shot + " should be the session colour "
                    + DesktopIdentity.hex(session) + " of uid " + uid + " gid " + gid + " (the login screen is "
                    + DesktopIdentity.hex(user.identityColour()) + ")");
            assertEquals(java.util.Optional.empty(), tunnel.required(), "guacd asked the browser for nothing");
            Measurements.record(report, "RDP single sign-on: login to first frame (ms)",
                    DesktopScreens.millis(loginStart, tunnel.frames().firstFrameNanos().orElseThrow()));
            Measurements.record(report, "RDP single sign-on: login to the signed-in session's screen (ms)",
                    DesktopScreens.millis(loginStart, signedIn));

            Path idFile = guest.resolve("root/home/" + user.username() + "/heps-session-id.txt");
            String id = Files.readString(idFile, StandardCharsets.UTF_8).trim();
            assertTrue(id.startsWith("uid=" + uid + "(" + user.username() + ") gid=" + gid + "("),
                    "id in the session (" + idFile + "): " + id);
            Measurements.record(report, "RDP single sign-on: id in the session", id);
        }

        // The session ended: the agent changes the sign-in, and the one the session used is refused.
        long ended = System.nanoTime();
        await("the domain refuses the sign-in of the ended session", ROTATED, () -> {
            try {
                return !ad.accepts(dn, before);
            } catch (com.unboundid.ldap.sdk.LDAPException e) {
                throw new IllegalStateException(e);
            }
        });
        Measurements.record(report, "RDP single sign-on: session end to the old sign-in refused (s)",
                Duration.ofNanos(System.nanoTime() - ended).toSeconds());
        String after = env.demo.agent().signInPassword(credentialToken, user.serverId(), user.username());
        assertNotEquals(before, after);
        assertTrue(ad.accepts(dn, after), "the new sign-in works");
        assertFalse(Files.readString(E2eEnvironment.output().resolve("measurements.txt")).contains(before));
    }

    private static String adDn(SambaAdTestBed ad, String username) throws Exception {
        try (LDAPConnection connection = ad.connect()) {
            SearchResultEntry entry = connection.searchForEntry(ad.baseDn(), SearchScope.SUB,
                    "(&(objectClass=user)(sAMAccountName=" + username + "))");
            if (entry == null) {
                throw new IllegalStateException("AD has no account " + username);
            }
            return entry.getDN();
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + timeout);
            }
            Thread.sleep(1000);
        }
    }
}
