package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cn.ac.ihep.heps.testsupport.guacamole.web.AuthenticatedSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.Connection;
import cn.ac.ihep.heps.testsupport.guacamole.web.HistoryEntry;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.FrameWait;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.Instruction;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.InstructionParser;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A recorded session through the real Guacamole and guacd. dev/guacamole records the demo's
 * Windows beamline ({@code heps-recording = off, hard-xray-imaging=on}) and makes members of
 * {@code heps-auditors} auditors. The Windows desktop's connection says it is recorded, the Linux
 * one does not; a session on it leaves a recording that guacd wrote in that desktop's directory
 * of the day, non-empty, in the Guacamole protocol; and the auditor's history
 * ({@code GET api/session/data/heps-vm-resolver/history/connections}) lists the session with that
 * recording as a Guacamole session recording (guacamole-history-recording-storage), whose content
 * is the file's.
 */
@ExtendWith(E2eEnvironment.Extension.class)
class RecordingIT {

    private static final String AUDITORS = "heps-auditors";
    private static final String RECORDING = "GUACAMOLE_SESSION_RECORDING";

    @Test
    void aRecordedSessionIsWrittenByGuacdAndPlayedBackFromTheAuditorsHistory(E2eEnvironment env, TestReporter report)
            throws IOException {
        long testStart = System.nanoTime();
        assumeTrue(env.windows.isPresent(), "the demo has no Windows beamline, the one dev/guacamole records");
        DesktopUser user = env.windows.get();
        Path recordings = recordingsDirectory(env);

        AuthenticatedSession session = DesktopScreens.login(env, user.username());
        Connection connection = env.guacamole.web().connections(session.authToken(), DesktopScreens.RESOLVER).orThrow()
                .get(user.serverId());
        assertEquals("true", connection.attributes().get("heps-recorded"), connection::toString);
        assertTrue(connection.name().endsWith("(sessions recorded)"), connection::name);
        AuthenticatedSession linux = DesktopScreens.login(env, env.linux.username());
        Connection unrecorded = env.guacamole.web().connections(linux.authToken(), DesktopScreens.RESOLVER).orThrow()
                .get(env.linux.serverId());
        assertTrue(!unrecorded.attributes().containsKey("heps-recorded") && !unrecorded.name().contains("recorded"),
                unrecorded::toString);

        Instant opened = Instant.now();
        try (TunnelSession tunnel = env.guacamole.tunnel().open(session.authToken(), DesktopScreens.parameters(user.serverId()))) {
            assertInstanceOf(FrameWait.Frames.class, tunnel.awaitFirstFrame(Duration.ofSeconds(40)));
            tunnel.awaitFrames(tunnel.frames().count() + 5, Duration.ofSeconds(5));
        }

        // The auditor's history: the session, with its recording (the extension offers it to auditors).
        AuthenticatedSession auditor = DesktopScreens.login(env, "e2e" + env.run + "a", AUDITORS);
        HistoryEntry entry = awaitEntry(env, auditor, user, opened);
        Measurements.record(report, "recorded session: history entry", entry.identifier() + " " + entry.logs());
        assertEquals(entry.identifier(), entry.uuid());
        assertEquals(1, entry.logs().size(), () -> "one recording: " + entry.logs());
        Map.Entry<String, String> log = entry.logs().entrySet().iterator().next();
        assertEquals(RECORDING, log.getValue());

        // guacd's file, where the resolver told guacd to write it.
        Path file = recordings.resolve(user.serverId()).resolve(LocalDate.ofInstant(opened, ZoneOffset.UTC).toString())
                .resolve(entry.identifier());
        assertTrue(Files.isRegularFile(file), () -> "no recording at " + file);
        byte[] written = settled(file);
        Measurements.record(report, "recorded session: recording size (bytes)", written.length);
        assertTrue(written.length > 0, "the recording is empty");
        List<Instruction> first = new java.util.ArrayList<>();
        new InstructionParser().receive(new String(written, 0, Math.min(written.length, 65536), StandardCharsets.US_ASCII),
                first::add);
        assertTrue(!first.isEmpty(), "the recording does not start with Guacamole instructions");
        assertTrue(first.stream().anyMatch(i -> "size".equals(i.opcode())) && first.stream().anyMatch(i -> "sync".equals(i.opcode())),
                () -> "no size/sync among the recording's first instructions: " + first.stream().limit(10).toList());

        byte[] played = env.guacamole.web().historyLog(auditor.authToken(), DesktopScreens.RESOLVER, entry.identifier(),
                log.getKey()).orThrow();
        if (!java.util.Arrays.equals(written, played)) {
            // guacd's RDP session can still be closing (FreeRDP's disconnect) and write its last
            // instructions after a quiet spell: compare again once the file has settled anew.
            written = settled(file);
            played = env.guacamole.web().historyLog(auditor.authToken(), DesktopScreens.RESOLVER, entry.identifier(),
                    log.getKey()).orThrow();
        }
        assertArrayEquals(written, played, "the history serves the file guacd wrote");

        // The user's own history lists the session, without the recording.
        List<HistoryEntry> own = env.guacamole.web().connectionHistory(session.authToken(), DesktopScreens.RESOLVER).orThrow();
        assertTrue(own.stream().anyMatch(e -> e.identifier().equals(entry.identifier()) && e.logs().isEmpty()), own::toString);
        Measurements.record(report, "RecordingIT duration (s)", Duration.ofNanos(System.nanoTime() - testStart).toSeconds());
    }

    /**
     * The recording once guacd has finished it: the web application notes the session's end when
     * the tunnel closes, and guacd may flush its last instructions seconds later. Settled: the
     * same content three seconds running.
     */
    private static byte[] settled(Path file) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        byte[] content = Files.readAllBytes(file);
        int unchanged = 0;
        while (unchanged < 3 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            byte[] again = Files.readAllBytes(file);
            unchanged = java.util.Arrays.equals(content, again) ? unchanged + 1 : 0;
            content = again;
        }
        return content;
    }

    /** The auditor's history entry of this user's session on that desktop, once it has ended. */
    private static HistoryEntry awaitEntry(E2eEnvironment env, AuthenticatedSession auditor, DesktopUser user, Instant after) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<HistoryEntry> history = List.of();
        while (System.nanoTime() < deadline) {
            history = env.guacamole.web().connectionHistory(auditor.authToken(), DesktopScreens.RESOLVER).orThrow();
            for (HistoryEntry entry : history) {
                if (user.username().equals(entry.username()) && user.serverId().equals(entry.connectionIdentifier())
                        && !entry.startDate().isBefore(after.minusSeconds(5)) && !entry.active()) {
                    return entry;
                }
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("no ended entry of " + user.username() + " on " + user.serverId() + " in the auditor's history: "
                + history);
    }

    /**
     * The running Guacamole's recording directory: {@code HEPS_GUACAMOLE_RECORDINGS}, else
     * dev/guacamole's of the checkout the demo runs from ({@code .local/guacamole/recordings}).
     */
    private static Path recordingsDirectory(E2eEnvironment env) {
        String explicit = System.getenv("HEPS_GUACAMOLE_RECORDINGS");
        Path directory = explicit != null && !explicit.isBlank() ? Path.of(explicit)
                : env.demo.home().getParent().resolve("guacamole/recordings");
        return directory;
    }
}
