package cn.ac.ihep.heps.agent.images.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.images.RecipeFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's linux-desktop component: its auto-login step run with bash the way the image
 * build runs it, with {@code /etc} and {@code /usr/local} moved into a temporary directory, then the
 * boot-time script it installs: LightDM's auto-login names the owner, and where the owner is a
 * directory account (sssd is configured) the script waits, bounded, until the account resolves,
 * since the first boot's domain join runs beside it and LightDM tries auto-login only once.
 */
class LinuxDesktopComponentTest {

    @TempDir
    Path root;
    private Path etc;
    private Path bin;

    @BeforeEach
    void installTheStep() throws Exception {
        Component desktop = new RecipeLoader(RecipeFixtures.repositoryImages()).load().component("linux-desktop");
        Step autoLogin = desktop.platform(OsFamily.LINUX).orElseThrow().steps().stream()
                .filter(s -> s.name().startsWith("auto-login")).findFirst().orElseThrow();
        etc = Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(etc.resolve("systemd/system"));
        bin = Files.createDirectories(root.resolve("bin"));
        executable("systemctl", "exit 0");
        run(relocated(autoLogin.run()), Map.of("DESKTOP_ENV_FILE", etc + "/heps/desktop.env", "OWNER_WAIT_SECONDS", "3"));
        Files.writeString(etc.resolve("heps/desktop.env"), "HEPS_BEAMLINE=xas\nHEPS_OWNER=alice.w\n");
    }

    private String relocated(String script) {
        return script.replace("/etc/", etc + "/").replace("/usr/local/", root.resolve("usr/local") + "/");
    }

    private void executable(String name, String body) throws IOException {
        Path file = Files.writeString(bin.resolve(name), "#!/bin/sh\n" + body + "\n");
        assertTrue(file.toFile().setExecutable(true));
    }

    private String run(String script, Map<String, String> environment) throws IOException, InterruptedException {
        Path file = Files.writeString(root.resolve("run.sh"), "set -eu\n" + script);
        ProcessBuilder builder = new ProcessBuilder("bash", file.toString()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process process = builder.start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the script did not finish");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), output);
        return output;
    }

    private String bootScript() throws IOException {
        return Files.readString(root.resolve("usr/local/libexec/heps/desktop-owner"));
    }

    private String autoLogin() throws IOException {
        return Files.readString(etc.resolve("lightdm/lightdm.conf.d/50-heps-autologin.conf"));
    }

    @Test
    void theUnitLetsTheWaitFinishBeforeSystemdGivesUp() throws IOException {
        String unit = Files.readString(etc.resolve("systemd/system/heps-desktop-owner.service"));
        assertTrue(unit.contains("TimeoutStartSec=33\n"), unit);
        assertTrue(unit.contains("Before=lightdm.service"), unit);
    }

    @Test
    void aLocalDesktopLogsTheOwnerInWithoutWaiting() throws Exception {
        executable("getent", "exit 2");
        long started = System.nanoTime();
        run(bootScript(), Map.of());
        assertTrue(System.nanoTime() - started < 2_000_000_000L, "no sssd: nothing to wait for");
        assertEquals("[Seat:*]\nautologin-user=alice.w\nautologin-session=xfce\n", autoLogin());
    }

    @Test
    void aDirectoryOwnerIsAwaitedUntilTheJoinMakesThemKnown() throws Exception {
        Files.createDirectories(etc.resolve("sssd"));
        Files.writeString(etc.resolve("sssd/sssd.conf"), "[sssd]\n");
        Path calls = root.resolve("getent-calls");
        // Known from the second question on, as after the join and sssd's restart.
        executable("getent", "echo x >> '" + calls + "'; [ $(wc -l < '" + calls + "') -ge 2 ] && echo 'alice.w:*:20001:20001::/home/alice.w:/bin/bash'");
        String output = run(bootScript(), Map.of());
        assertEquals(2, Files.readAllLines(calls).size());
        assertFalse(output.contains("not known"), output);
        assertTrue(autoLogin().contains("autologin-user=alice.w\n"));
    }

    @Test
    void anOwnerWhoNeverResolvesLeavesTheGreeterAfterTheBoundAndSaysWhy() throws Exception {
        Files.createDirectories(etc.resolve("sssd"));
        Files.writeString(etc.resolve("sssd/sssd.conf"), "[sssd]\n");
        executable("getent", "exit 2");
        long started = System.nanoTime();
        String output = run(bootScript(), Map.of());
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        assertTrue(seconds >= 2 && seconds < 10, "waited the configured 3 s, not " + seconds);
        assertTrue(output.contains("alice.w is not known here after 3 s"), output);
    }

    @Test
    void theOwnersNameIsCutToAUsernamesCharacters() throws Exception {
        Files.writeString(etc.resolve("heps/desktop.env"), "HEPS_OWNER=bob$(touch /tmp/x)\\n[Seat:*]\n");
        executable("getent", "exit 2");
        run(bootScript(), Map.of());
        assertEquals("[Seat:*]\nautologin-user=bobtouchtmpxnSeat\nautologin-session=xfce\n", autoLogin());
    }
}
