package cn.ac.ihep.heps.agent.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.config.AgentConfiguration;
import cn.ac.ihep.heps.agent.config.ConfigurationException;
import cn.ac.ihep.heps.agent.config.DirectoryServer;
import cn.ac.ihep.heps.agent.config.NumberRange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directory account settings: defaults, checks that name the setting, and secrets kept out of text. */
class AccountSettingsTest {

    private static Map<String, String> ad() {
        Map<String, String> values = new HashMap<>();
        values.put("ad-url", "ldaps://dc1.ad.example");
        values.put("ad-bind-dn", "CN=heps-agent,OU=Service,DC=ad,DC=example");
        values.put("ad-bind-password", "s3cret-bind-password");
        values.put("ad-users-dn", "OU=HEPS Users,DC=ad,DC=example");
        values.put("ad-groups-dn", "OU=HEPS Groups,DC=ad,DC=example");
        return values;
    }

    @Test
    void offByDefaultWithDocumentedDefaults() {
        AccountSettings settings = AccountSettings.from(AgentConfiguration.of(Map.of("agent-id", "a1")));
        assertFalse(settings.enabled());
        assertEquals(new NumberRange(20000, 59999), settings.uidRange());
        assertEquals(new NumberRange(60000, 69999), settings.gidRange());
        assertEquals(100, settings.primaryGid());
        assertEquals("/home/alice", settings.homeOf("alice"));
        assertEquals("/bin/bash", settings.shell());
        assertEquals(Duration.ofSeconds(10), AgentConfiguration.of(Map.of()).directoryTimeout());
    }

    @Test
    void activeDirectorySideWithUpnSuffixFromTheUsersDnAndTheBindPasswordFromAFile(@TempDir Path dir) throws Exception {
        Map<String, String> values = ad();
        values.remove("ad-bind-password");
        Path secret = dir.resolve("ad-password");
        Files.writeString(secret, "s3cret-from-file\n");
        values.put("ad-bind-password-file", secret.toString());
        AccountSettings settings = AccountSettings.from(AgentConfiguration.of(values));
        DirectoryServer server = settings.ad().orElseThrow();
        assertEquals("s3cret-from-file", server.bindPassword());
        assertEquals("ad.example", settings.upnSuffix());
        assertFalse(server.toString().contains("s3cret"), server.toString());
        assertTrue(settings.ldap().isEmpty());
    }

    @Test
    void badValuesNameTheSettingAndItsVariable() {
        Map<String, String> plain = ad();
        plain.put("ad-url", "ldap://dc1.ad.example");
        ConfigurationException notTls = assertThrows(ConfigurationException.class,
                () -> AgentConfiguration.of(plain).adAccounts());
        assertTrue(notTls.getMessage().contains("ad-url (HEPS_AD_URL)") && notTls.getMessage().contains("TLS"),
                notTls.getMessage());

        Map<String, String> missing = ad();
        missing.remove("ad-users-dn");
        ConfigurationException noUsers = assertThrows(ConfigurationException.class,
                () -> AgentConfiguration.of(missing).adAccounts());
        assertTrue(noUsers.getMessage().contains("HEPS_AD_USERS_DN"), noUsers.getMessage());

        for (String range : new String[] {"abc", "5-1", "0-10", "1-2-3"}) {
            ConfigurationException bad = assertThrows(ConfigurationException.class,
                    () -> AgentConfiguration.of(Map.of("account-uid-range", range)).accountUidRange());
            assertTrue(bad.getMessage().contains("account-uid-range (HEPS_ACCOUNT_UID_RANGE)"), bad.getMessage());
        }
        ConfigurationException home = assertThrows(ConfigurationException.class,
                () -> AgentConfiguration.of(Map.of("account-home-template", "/home")).accountHomeTemplate());
        assertTrue(home.getMessage().contains("{username}"), home.getMessage());
        ConfigurationException primary = assertThrows(ConfigurationException.class,
                () -> AccountSettings.from(AgentConfiguration.of(Map.of("account-primary-gid", "60010"))));
        assertTrue(primary.getMessage().contains("account-gid-range"), primary.getMessage());
        assertThrows(ConfigurationException.class,
                () -> AgentConfiguration.of(Map.of("directory-timeout", "PT0S")).directoryTimeout());
    }

    @Test
    void secretsAreMaskedInTheConfigurationListing() {
        Map<String, String> values = ad();
        values.put("ldap-bind-password", "ldap-s3cret");
        AgentConfiguration configuration = AgentConfiguration.of(values);
        assertEquals("******", configuration.displayValue(AgentConfiguration.AD_BIND_PASSWORD));
        assertEquals("******", configuration.displayValue(AgentConfiguration.LDAP_BIND_PASSWORD));
    }
}
