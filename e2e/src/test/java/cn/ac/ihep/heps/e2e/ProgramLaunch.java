package cn.ac.ihep.heps.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.TestReporter;

/**
 * A user starting a program on their remote desktop in Chromium (e2e/browser/launch-app.mjs): the
 * script sends a screenshot every few seconds; the first that {@code session} accepts lets it start
 * the program (Alt+F2, its name, Enter), and the first that {@code window} accepts ends the watch.
 */
final class ProgramLaunch {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whether a screenshot shows something: the user's session, the program's window. */
    interface Screen {
        boolean shows(Path screenshot) throws IOException, InterruptedException;
    }

    /**
     * @param launched the script's line when the program was started (first frame, session, launch in ms)
     * @param desktop the screenshot of the desktop just before the launch
     * @param window the first screenshot that showed the program's window, or null
     * @param windowMs when it was taken, in ms from opening the portal URL
     * @param result the script's last line
     */
    record Launch(JsonNode launched, Path desktop, Path window, long windowMs, JsonNode result) {
    }

    private ProgramLaunch() {
    }

    static Launch run(E2eEnvironment env, String username, String program, Path dir, Path profile,
            Duration firstFrame, Duration watch, Screen session, Screen window, TestReporter report)
            throws IOException, InterruptedException {
        Path browser = PortalBrowser.requireBrowser();
        Files.createDirectories(dir);
        List<String> command = new ArrayList<>(List.of("node", "launch-app.mjs",
                "--url", env.guacamole.portalUrl(env.portalToken(username)).toString(),
                "--out", dir.toString(), "--user-data-dir", profile.toString(), "--program", program,
                "--timeout-ms", Long.toString(firstFrame.toMillis()), "--watch-ms", Long.toString(watch.toMillis()),
                "--chromium", PortalBrowser.chromium().toString()));
        Process node = new ProcessBuilder(command).directory(browser.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        JsonNode launched = null;
        JsonNode last = null;
        Path confirmed = null;
        long confirmedMs = -1;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
                OutputStream answers = node.getOutputStream()) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                JsonNode event = JSON.readTree(line);
                last = event;
                if ("launched".equals(event.path("event").asText())) {
                    launched = event;
                    Measurements.record(report, "launch " + program, line);
                } else if ("shot".equals(event.path("event").asText())) {
                    Path shot = Path.of(event.path("path").asText());
                    boolean sessionPhase = "session".equals(event.path("phase").asText());
                    if (sessionPhase && session.shows(shot)) {
                        answer(answers, "launch");
                    } else if (!sessionPhase && confirmed == null && window.shows(shot)) {
                        confirmed = shot;
                        confirmedMs = event.path("ms").asLong();
                        answer(answers, "done");
                    }
                }
            }
        } finally {
            if (!node.waitFor(60, TimeUnit.SECONDS)) {
                node.descendants().forEach(ProcessHandle::destroyForcibly);
                node.destroyForcibly();
            }
        }
        Measurements.record(report, "launch " + program + " result", String.valueOf(last));
        Path desktop = launched == null ? null : Path.of(launched.path("desktop").asText());
        return new Launch(launched, desktop, confirmed, confirmedMs, last);
    }

    private static void answer(OutputStream answers, String word) throws IOException {
        answers.write((word + "\n").getBytes(StandardCharsets.UTF_8));
        answers.flush();
    }
}
