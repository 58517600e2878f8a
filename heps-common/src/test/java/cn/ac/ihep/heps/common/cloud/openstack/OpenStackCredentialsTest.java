package cn.ac.ihep.heps.common.cloud.openstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.CloudException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenStackCredentialsTest {

    @TempDir
    Path dir;

    private Path cloudsYaml() throws IOException {
        return Files.writeString(dir.resolve("clouds.yaml"), """
                clouds:
                  lab:
                    auth:
                      auth_url: http://keystone.example:5000
                      username: heps-agent
                      password: "s3cret"
                      project_name: heps
                      user_domain_name: Users
                    region_name: RegionTwo
                """);
    }

    @Test
    void osCloudNamesACloudInTheConfiguredFile() throws IOException {
        OpenStackCredentials c = OpenStackCredentials.fromEnvironment(
                Map.of("OS_CLOUD", "lab", "OS_CLIENT_CONFIG_FILE", cloudsYaml().toString()));
        assertEquals("http://keystone.example:5000/v3", c.identityV3Url());
        assertEquals("heps-agent", c.username());
        assertEquals("Users", c.userDomainName());
        assertEquals("Default", c.projectDomainName());
        assertEquals("RegionTwo", c.regionName());
        assertFalse(c.toString().contains("s3cret"), "the password never reaches a log line");
    }

    @Test
    void osVariablesWithoutOsCloud() {
        OpenStackCredentials c = OpenStackCredentials.fromEnvironment(Map.of("OS_AUTH_URL", "http://k:5000/v3/",
                "OS_USERNAME", "u", "OS_PASSWORD", "p", "OS_PROJECT_NAME", "heps", "OS_DOMAIN_NAME", "D"));
        assertEquals("http://k:5000/v3", c.identityV3Url());
        assertEquals("D", c.userDomainName());
        assertEquals("D", c.projectDomainName());
        assertTrue(c.region().isEmpty());
    }

    @Test
    void clearErrorsForWhatIsMissing() throws IOException {
        Path file = cloudsYaml();
        CloudException unknownCloud = assertThrows(CloudException.class,
                () -> OpenStackCredentials.fromCloudsYaml(file, "other"));
        assertTrue(unknownCloud.getMessage().contains("'other'") && unknownCloud.getMessage().contains("[lab]"),
                unknownCloud.getMessage());
        assertTrue(assertThrows(CloudException.class, () -> OpenStackCredentials.fromEnvironment(Map.of()))
                .getMessage().contains("OS_CLOUD"));
        assertTrue(assertThrows(CloudException.class, () -> OpenStackCredentials.fromEnvironment(
                Map.of("OS_CLOUD", "lab", "OS_CLIENT_CONFIG_FILE", dir.resolve("absent.yaml").toString())))
                .getMessage().contains("absent.yaml"));
        assertTrue(assertThrows(CloudException.class, () -> OpenStackCredentials.fromEnvironment(
                Map.of("OS_AUTH_URL", "http://k", "OS_USERNAME", "u", "OS_PROJECT_NAME", "p")))
                .getMessage().contains("password"));
    }

    @Test
    void microversionIsPinnedBetween226And246() {
        OpenStackCredentials c = new OpenStackCredentials("http://k", "u", "p", "heps", null, null, null);
        OpenStackSettings defaults = OpenStackSettings.defaults(c);
        assertThrows(IllegalArgumentException.class, () -> new OpenStackSettings(c, "2.25", defaults.connectTimeout(),
                defaults.readTimeout(), defaults.tokenRenewalMargin()));
        assertThrows(IllegalArgumentException.class, () -> new OpenStackSettings(c, "2.47", defaults.connectTimeout(),
                defaults.readTimeout(), defaults.tokenRenewalMargin()));
        assertEquals("2.46", new OpenStackSettings(c, "2.46", defaults.connectTimeout(), defaults.readTimeout(),
                defaults.tokenRenewalMargin()).computeMicroversion());
    }
}
