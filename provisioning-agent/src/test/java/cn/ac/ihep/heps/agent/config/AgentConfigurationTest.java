package cn.ac.ihep.heps.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigurationTest {

    @Test
    void environmentOverridesFileWhichOverridesDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("agent.properties");
        Files.writeString(file, "beamlines=B1, B7\nretention=P1D\nreconcile-interval=PT10S\n");
        AgentConfiguration configuration = AgentConfiguration.load(file, Map.of("HEPS_RETENTION", "PT6H"));
        assertEquals(List.of("B1", "B7"), configuration.beamlines());
        assertEquals(Duration.ofHours(6), configuration.retention());
        assertEquals(Duration.ofSeconds(10), configuration.reconcileInterval());
        assertEquals(Duration.ofMinutes(30), configuration.startLeadTime());
        assertEquals("heps-vm-network", configuration.vmNetwork());
    }

    @Test
    void secretsComeFromFilesAndAreMasked(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("vnc-secret");
        Files.writeString(secret, "a-site-secret-of-at-least-16-bytes\n");
        AgentConfiguration configuration = AgentConfiguration.load(null,
                Map.of("HEPS_CONFIG", "", "HEPS_VNC_SITE_SECRET_FILE", secret.toString(), "HEPS_API_TOKENS", "t1,t2"));
        assertEquals("a-site-secret-of-at-least-16-bytes", configuration.vncSiteSecret());
        assertEquals("******", configuration.displayValue(AgentConfiguration.VNC_SITE_SECRET));
        assertEquals(List.of("t1", "t2"), configuration.apiTokens());
    }

    @Test
    void badValuesNameTheSettingAndItsVariable(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("agent.properties");
        Files.writeString(file, "retention=seven days\n");
        ConfigurationException bad = assertThrows(ConfigurationException.class,
                () -> AgentConfiguration.load(file, Map.of()).retention());
        assertTrue(bad.getMessage().contains("retention (HEPS_RETENTION)"), bad.getMessage());
        Files.writeString(file, "retension=P1D\n");
        ConfigurationException unknown = assertThrows(ConfigurationException.class,
                () -> AgentConfiguration.load(file, Map.of()));
        assertTrue(unknown.getMessage().contains("retension"), unknown.getMessage());
        ConfigurationException missing = assertThrows(ConfigurationException.class,
                () -> AgentConfiguration.of(Map.of()).vncSiteSecret());
        assertTrue(missing.getMessage().contains("HEPS_VNC_SITE_SECRET"), missing.getMessage());
    }

    @Test
    void apiLimitsHaveDefaultsAndRefuseNonsense() {
        AgentConfiguration defaults = AgentConfiguration.of(Map.of());
        assertEquals(Duration.ofSeconds(10), defaults.apiRequestTimeout());
        assertEquals(32, defaults.apiMaxConnectionsPerAddress());
        ConfigurationException zero = assertThrows(ConfigurationException.class,
                () -> AgentConfiguration.of(Map.of("api-max-connections-per-address", "0")).apiMaxConnectionsPerAddress());
        assertTrue(zero.getMessage().contains("HEPS_API_MAX_CONNECTIONS_PER_ADDRESS"), zero.getMessage());
        assertThrows(ConfigurationException.class,
                () -> AgentConfiguration.of(Map.of("api-max-queued-requests", "many")).apiMaxQueuedRequests());
    }

    @Test
    void theReadmeDocumentsEverySetting() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (Setting setting : AgentConfiguration.ALL) {
            assertTrue(readme.contains("`" + setting.property() + "`"), setting.property());
            assertTrue(readme.contains("`" + setting.environmentVariable() + "`"), setting.environmentVariable());
        }
    }
}
