package cn.ac.ihep.heps.guacamole.resolver;

import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.openstack.OpenStackCloudProvider;
import cn.ac.ihep.heps.common.cloud.openstack.OpenStackCredentials;
import cn.ac.ihep.heps.common.cloud.openstack.OpenStackSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleServerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the OpenStack provider from the {@code heps-openstack-*} properties when they are
 * set, else as every OpenStack client does, from {@code OS_CLOUD} + clouds.yaml or {@code OS_*}.
 */
final class CloudProviderFactory {

    private static final Logger logger = LoggerFactory.getLogger(CloudProviderFactory.class);

    private CloudProviderFactory() {
    }

    static CloudProvider openStack(ConfigurationService configuration) throws GuacamoleException {
        OpenStackCredentials credentials = credentials(configuration, System.getenv());
        logger.info("Desktop VMs are read from OpenStack as {}", credentials);
        return new OpenStackCloudProvider(OpenStackSettings.defaults(credentials));
    }

    static OpenStackCredentials credentials(ConfigurationService configuration, Map<String, String> env)
            throws GuacamoleException {
        Map<String, String> settings = configuration.getOpenStackSettings();
        try {
            if (settings.containsKey("auth_url")) {
                return new OpenStackCredentials(settings.get("auth_url"), settings.get("username"),
                        settings.get("password"), settings.get("project_name"), settings.get("user_domain_name"),
                        settings.get("project_domain_name"), settings.get("region_name"));
            }
            if (settings.containsKey("cloud")) {
                // Where every OpenStack client looks (OS_CLIENT_CONFIG_FILE first), with
                // GUACAMOLE_HOME/clouds.yaml before the usual places.
                Path cloudsYaml = configuration.getOpenStackCloudsYaml().orElseGet(() -> OpenStackCredentials
                        .findCloudsYaml(env, List.of(configuration.getGuacamoleHomeCloudsYaml())));
                return OpenStackCredentials.fromCloudsYaml(cloudsYaml, settings.get("cloud"));
            }
            return OpenStackCredentials.fromEnvironment(env);
        } catch (CloudException e) {
            String setting = settings.containsKey("auth_url") ? "heps-openstack-auth-url and its companions"
                    : settings.containsKey("cloud") ? "heps-openstack-cloud (\"" + settings.get("cloud")
                            + "\"), heps-openstack-clouds-yaml or OS_CLIENT_CONFIG_FILE"
                    : "OS_CLOUD / OS_* of the web application, or heps-openstack-cloud";
            throw new GuacamoleServerException("OpenStack credentials are incomplete: " + e.getMessage()
                    + ". Check " + setting + ".", e);
        }
    }
}
