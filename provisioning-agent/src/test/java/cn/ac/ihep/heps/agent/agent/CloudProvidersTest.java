package cn.ac.ihep.heps.agent.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.config.AgentConfiguration;
import cn.ac.ihep.heps.agent.config.ConfigurationException;
import cn.ac.ihep.heps.common.cloud.openstack.OpenStackCredentials;
import cn.ac.ihep.heps.common.cloud.openstack.OpenStackSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CloudProvidersTest {
    private static final OpenStackCredentials CREDENTIALS = new OpenStackCredentials("http://127.0.0.1:5000/v3",
            "heps", "secret", "heps", null, null, null);

    @Test
    void theAgentsTimeoutsBecomeTheProvidersTimeouts() {
        OpenStackSettings settings = CloudProviders.settings(AgentConfiguration.of(Map.of(
                "openstack-connect-timeout", "PT3S", "openstack-read-timeout", "PT2M")), CREDENTIALS);
        assertEquals(Duration.ofSeconds(3), settings.connectTimeout());
        assertEquals(Duration.ofMinutes(2), settings.readTimeout());
        assertEquals(CREDENTIALS, settings.credentials());
    }

    @Test
    void withoutSettingsTheAgentWaitsTenSecondsToConnectAndAMinuteForAnAnswer() {
        OpenStackSettings settings = CloudProviders.settings(AgentConfiguration.of(Map.of()), CREDENTIALS);
        assertEquals(Duration.ofSeconds(10), settings.connectTimeout());
        assertEquals(Duration.ofSeconds(60), settings.readTimeout());
    }

    @Test
    void aZeroTimeoutIsRefusedNamingTheSetting() {
        ConfigurationException zero = assertThrows(ConfigurationException.class, () -> CloudProviders.settings(
                AgentConfiguration.of(Map.of("openstack-read-timeout", "PT0S")), CREDENTIALS));
        assertTrue(zero.getMessage().contains("openstack-read-timeout (HEPS_OPENSTACK_READ_TIMEOUT)"), zero.getMessage());
    }
}
