package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.TestReporter;

/**
 * Debian's Chromium, driven by playwright-core (e2e/browser/portal-screenshot.mjs), opening a
 * user's portal URL and saving what the page shows once the remote display has painted.
 */
final class PortalBrowser {
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("HEPS_CHROMIUM", "/usr/bin/chromium"));
    private static final long TIMEOUT_MS = 60_000;

    private PortalBrowser() {
    }

    static Path chromium() {
        return CHROMIUM;
    }

    /** Skips the calling test, with the reason, when playwright-core or Chromium is missing. */
    static Path requireBrowser() {
        Path browser = Path.of(System.getProperty("heps.e2e.browser", "browser"));
        Assumptions.assumeTrue(Files.isDirectory(browser.resolve("node_modules/playwright-core")),
                () -> "playwright-core is not installed: run `npm ci` in " + browser.toAbsolutePath().normalize());
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), () -> "no Chromium at " + CHROMIUM + " (apt-get install chromium)");
        return browser;
    }

    /** Opens the user's portal URL and writes the page to {@code screenshot}; the script's result goes to the report. */
    static String screenshot(E2eEnvironment env, String username, Path screenshot, Path profile, TestReporter report)
            throws IOException, InterruptedException {
        return run("portal-screenshot.mjs", "browser", env, username, screenshot, profile, report);
    }

    /**
     * Runs one of e2e/browser's scripts on the user's portal URL with {@code --out screenshot} and
     * the extra arguments; the script must succeed, and its one-line result is returned and reported.
     */
    static String run(String script, String label, E2eEnvironment env, String username, Path screenshot, Path profile,
            TestReporter report, String... extraArguments) throws IOException, InterruptedException {
        Path browser = requireBrowser();
        Files.deleteIfExists(screenshot);
        List<String> command = new ArrayList<>(List.of("node", script,
                "--url", env.guacamole.portalUrl(env.portalToken(username)).toString(),
                "--out", screenshot.toString(), "--user-data-dir", profile.toString(),
                "--timeout-ms", Long.toString(TIMEOUT_MS), "--chromium", CHROMIUM.toString()));
        command.addAll(List.of(extraArguments));
        Process node = new ProcessBuilder(command).directory(browser.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!node.waitFor(TIMEOUT_MS + 30_000, TimeUnit.MILLISECONDS)) {
            node.descendants().forEach(ProcessHandle::destroyForcibly);
            node.destroyForcibly();
            throw new AssertionError("the browser did not finish within " + (TIMEOUT_MS + 30_000) + " ms");
        }
        String result = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        Measurements.record(report, label, result);
        assertEquals(0, node.exitValue(), () -> "the browser says " + result + "; screenshot " + screenshot);
        return result;
    }
}
