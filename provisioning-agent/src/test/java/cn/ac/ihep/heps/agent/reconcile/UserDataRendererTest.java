package cn.ac.ihep.heps.agent.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserDataRendererTest {

    private static UserDataRenderer.Values values(String os, String token, Optional<String> domain) {
        return new UserDataRenderer.Values(os, "heps-b1-p-1-alice",
                ServerNaming.hostname(os, false, "B1", "P-1", "alice"), "B1", "P-1", "alice",
                "windows".equals(os) ? "rdp" : "vnc", "http://agent.example:8640", token, domain, Optional.of("OU=Desktops"),
                List.of(List.of("nas:/beamlines/{beamline}/{experiment}", "/data", "nfs4", "rw,_netdev")));
    }

    @Test
    void linuxUserDataIsValidCloudConfigWithEverything() throws Exception {
        String rendered = new UserDataRenderer(Optional.empty())
                .render(values("linux", "tok-123", Optional.of("ad.example")));
        assertTrue(rendered.startsWith("#cloud-config\n"));
        JsonNode config = new ObjectMapper(new YAMLFactory()).readTree(rendered);
        assertEquals("heps-b1-p-1-alice", config.get("hostname").asText());
        assertEquals("nas:/beamlines/B1/P-1", config.get("mounts").get(0).get(0).asText());
        String files = config.get("write_files").toString();
        assertTrue(files.contains("HEPS_ENROLLMENT_TOKEN=tok-123"), files);
        assertTrue(files.contains("HEPS_AGENT_URL=http://agent.example:8640"), files);
        // Enrolment starts in the first networked stage (bootcmd), not in a later one.
        String commands = config.get("bootcmd").toString();
        assertTrue(commands.contains("/usr/local/sbin/heps-enroll"), commands);
        assertFalse(config.has("runcmd"), rendered);
        // The domain join is part of the enrollment: the one-time password comes from the agent,
        // reaches adcli on stdin, and is never in the user data.
        assertTrue(files.contains("adcli join --login-type=computer --stdin-password"), files);
        assertFalse(rendered.contains(ServerNaming.hostname("linux", false, "B1", "P-1", "alice").toLowerCase() + "\""),
                "no host-name password");
    }

    /**
     * The bootcmd unit's command, run with the script's path moved into a test directory: it waits
     * for write_files to make the script executable, then runs it once.
     */
    @Test
    void theEnrolmentUnitWaitsForTheScriptThenRunsIt(@TempDir Path dir) throws Exception {
        JsonNode config = new ObjectMapper(new YAMLFactory())
                .readTree(new UserDataRenderer(Optional.empty()).render(values("linux", "t", Optional.empty())));
        JsonNode unit = config.get("bootcmd").get(0);
        assertEquals("systemd-run", unit.get(0).asText());
        assertTrue(unit.toString().contains("--no-block"), "cloud-init must not wait for the enrolment: " + unit);
        String command = unit.get(unit.size() - 1).asText();
        Path script = dir.resolve("heps-enroll");
        Path ran = dir.resolve("ran");
        Process waiting = new ProcessBuilder("/bin/sh", "-c", command.replace("/usr/local/sbin/heps-enroll", script.toString()))
                .redirectErrorStream(true).start();
        Thread.sleep(1200);
        assertTrue(waiting.isAlive(), "the unit waits while the script is not there");
        Files.writeString(script, "#!/bin/sh\necho once >> " + ran + "\n");
        Thread.sleep(1200);
        assertTrue(waiting.isAlive() && !Files.exists(ran), "a script that is not executable yet is not run");
        script.toFile().setExecutable(true);
        assertTrue(waiting.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the unit ends once the script ran");
        assertEquals(0, waiting.exitValue());
        assertEquals(List.of("once"), Files.readAllLines(ran));
    }

    @Test
    void linuxWithoutDomainOrMountsStillParses() throws Exception {
        UserDataRenderer.Values plain = new UserDataRenderer.Values("linux", "s", "h", "B1", "P-1", "alice", "vnc",
                "http://a", "t", Optional.empty(), Optional.empty(), List.of());
        JsonNode config = new ObjectMapper(new YAMLFactory()).readTree(new UserDataRenderer(Optional.empty()).render(plain));
        assertFalse(config.has("mounts"));
        assertEquals(1, config.get("bootcmd").size());
    }

    @Test
    void windowsJoinsWithTheOneTimePasswordItFetchesNeverItsHostName() {
        String hostname = ServerNaming.hostname("windows", false, "B1", "P-1", "alice");
        assertTrue(hostname.length() <= 15, hostname);
        assertEquals(hostname, ServerNaming.computerName("P-1", "alice"), "the computer account's name");
        String rendered = new UserDataRenderer(Optional.empty()).render(values("windows", "tok-9", Optional.of("ad.example")));
        assertTrue(rendered.startsWith("#ps1_sysnative"));
        assertTrue(rendered.contains("$HepsEnrollmentToken = 'tok-9'"), rendered);
        assertTrue(rendered.contains("$HepsAgentUrl = 'http://agent.example:8640'"), rendered);
        assertTrue(rendered.contains("Invoke-RestMethod -Method Post -Uri \"$HepsAgentUrl/v1/enrollment\""), rendered);
        assertTrue(rendered.contains("Add-Computer -DomainName $answer.domainJoin.domain"), rendered);
        assertTrue(rendered.contains("-Options UnsecuredJoin,PasswordPass,JoinWithNewName"), rendered);
        assertFalse(rendered.contains("ConvertTo-SecureString \"" + hostname.toLowerCase()), "no host-name password");
        assertTrue(rendered.contains("Rename-Computer -NewName \"" + hostname + "\""), "without a domain it only renames");
        assertFalse(rendered.contains("{{"));

        String alone = new UserDataRenderer(Optional.empty()).render(values("windows", null, Optional.empty()));
        assertFalse(alone.contains("Add-Computer"), alone);
        assertTrue(alone.contains("$HepsEnrollmentToken = ''"), alone);
    }

    @Test
    void aSiteTemplateWithAnUnknownPlaceholderFailsClearly(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("linux.tmpl"), "#cloud-config\nhostname: {{hostnme}}\n");
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> new UserDataRenderer(Optional.of(dir)).render(values("linux", "t", Optional.empty())));
        assertTrue(error.getMessage().contains("{{hostnme}}"), error.getMessage());
    }

    @Test
    void serverNamesAreDnsLabels() {
        assertEquals("heps-b1-p-2026-001-alice-smith", ServerNaming.serverName("B1", "P_2026.001", "alice.smith"));
        String longName = ServerNaming.serverName("B1", "P".repeat(64), "u".repeat(48));
        assertTrue(longName.length() <= 63, longName);
        assertTrue(longName.matches("[a-z0-9-]+"), longName);
    }

    @Test
    void aDesktopThatJoinsTheDomainIsNamedAsItsComputerAccount() {
        String computer = ServerNaming.computerName("P-1", "alice");
        assertEquals(computer, ServerNaming.hostname("linux", true, "B1", "P-1", "alice"));
        assertEquals(computer, ServerNaming.hostname("windows", true, "B1", "P-1", "alice"));
        assertEquals("heps-b1-p-1-alice", ServerNaming.hostname("linux", false, "B1", "P-1", "alice"));
        assertTrue(computer.length() <= 15 && computer.matches("heps-[0-9a-f]{10}"), computer);
    }
}
