package cn.ac.ihep.heps.guacamole.resolver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.openstack.OpenStackCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.guacamole.GuacamoleException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the resolver finds the clouds.yaml that {@code heps-openstack-cloud} names. */
class CloudProviderFactoryTest {

    @TempDir
    Path dir;

    private Path cloudsYaml(Path file, String cloud, String user) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, """
                clouds:
                  %s:
                    auth:
                      auth_url: http://keystone.example:5000/v3
                      username: %s
                      password: secret
                      project_name: desktops
                """.formatted(cloud, user));
    }

    private ConfigurationService configuration(Path home, String cloud) {
        return new ConfigurationService(new PropertiesEnvironment().home(home.toFile()).set("heps-openstack-cloud", cloud));
    }

    /** docker-compose.yml sets HEPS_OPENSTACK_CLOUD and OS_CLIENT_CONFIG_FILE, and nothing in GUACAMOLE_HOME. */
    @Test
    void theComposeDeploymentsOsClientConfigFileIsRead() throws Exception {
        Path mounted = cloudsYaml(dir.resolve("etc/openstack/clouds.yaml"), "heps", "from-compose");
        Path home = Files.createDirectories(dir.resolve("guacamole-home"));
        OpenStackCredentials credentials = CloudProviderFactory.credentials(configuration(home, "heps"),
                Map.of("OS_CLIENT_CONFIG_FILE", mounted.toString()));
        assertEquals("from-compose", credentials.username());
    }

    @Test
    void osClientConfigFileComesBeforeGuacamoleHome() throws Exception {
        Path mounted = cloudsYaml(dir.resolve("mounted/clouds.yaml"), "heps", "from-variable");
        Path home = dir.resolve("home");
        cloudsYaml(home.resolve("clouds.yaml"), "heps", "from-home");
        assertEquals("from-variable", CloudProviderFactory.credentials(configuration(home, "heps"),
                Map.of("OS_CLIENT_CONFIG_FILE", mounted.toString())).username());
        assertEquals("from-home", CloudProviderFactory.credentials(configuration(home, "heps"), Map.of()).username());
    }

    @Test
    void anExplicitPropertyWinsOverTheVariable() throws Exception {
        Path named = cloudsYaml(dir.resolve("named/clouds.yaml"), "heps", "from-property");
        Path mounted = cloudsYaml(dir.resolve("mounted/clouds.yaml"), "heps", "from-variable");
        ConfigurationService configuration = new ConfigurationService(new PropertiesEnvironment()
                .home(dir.toFile()).set("heps-openstack-cloud", "heps")
                .set("heps-openstack-clouds-yaml", named.toString()));
        assertEquals("from-property", CloudProviderFactory.credentials(configuration,
                Map.of("OS_CLIENT_CONFIG_FILE", mounted.toString())).username());
    }

    @Test
    void anUnreadableOsClientConfigFileNamesTheSettingsToCheck() {
        GuacamoleException e = assertThrows(GuacamoleException.class, () -> CloudProviderFactory.credentials(
                configuration(dir, "heps"), Map.of("OS_CLIENT_CONFIG_FILE", dir.resolve("absent.yaml").toString())));
        assertTrue(e.getMessage().contains("OS_CLIENT_CONFIG_FILE"), e.getMessage());
        assertTrue(e.getMessage().contains("heps-openstack-cloud"), e.getMessage());
    }

    @Test
    void aCloudMissingFromTheFileIsNamed() throws Exception {
        Path mounted = cloudsYaml(dir.resolve("clouds.yaml"), "other", "someone");
        GuacamoleException e = assertThrows(GuacamoleException.class, () -> CloudProviderFactory.credentials(
                configuration(dir.resolve("home"), "heps"), Map.of("OS_CLIENT_CONFIG_FILE", mounted.toString())));
        assertTrue(e.getMessage().contains("'heps' is not in"), e.getMessage());
    }
}
