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
                ServerNaming.hostname(os, "B1", "P-1", "alice"), "B1", "P-1", "alice",
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
        String commands = config.get("runcmd").toString();
        assertTrue(commands.contains("heps-enroll"), commands);
        // The domain join is part of the enrollment: the one-time password comes from the agent,
        // reaches adcli on stdin, and is never in the user data.
        assertTrue(files.contains("adcli join --login-type=computer --stdin-password"), files);
        assertFalse(rendered.contains(ServerNaming.hostname("linux", "B1", "P-1", "alice").toLowerCase() + "\""),
                "no host-name password");
    }

    @Test
    void linuxWithoutDomainOrMountsStillParses() throws Exception {
        UserDataRenderer.Values plain = new UserDataRenderer.Values("linux", "s", "h", "B1", "P-1", "alice", "vnc",
                "http://a", "t", Optional.empty(), Optional.empty(), List.of());
        JsonNode config = new ObjectMapper(new YAMLFactory()).readTree(new UserDataRenderer(Optional.empty()).render(plain));
        assertFalse(config.has("mounts"));
        assertEquals(1, config.get("runcmd").size());
    }

    @Test
    void windowsJoinsWithTheOneTimePasswordItFetchesNeverItsHostName() {
        String hostname = ServerNaming.hostname("windows", "B1", "P-1", "alice");
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
}
