package cn.ac.ihep.heps.agent.agent;

import cn.ac.ihep.heps.agent.config.AgentConfiguration;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.openstack.OpenStackCloudProvider;
import cn.ac.ihep.heps.common.cloud.openstack.OpenStackCredentials;
import cn.ac.ihep.heps.common.cloud.openstack.OpenStackSettings;

/**
 * How the agent and the CLI reach OpenStack: the project's one provider, with credentials from
 * clouds.yaml / OS_* as every OpenStack client reads them (CONTRACTS §2) and the agent's timeouts.
 */
public final class CloudProviders {
    private CloudProviders() {
    }

    public static CloudProvider fromEnvironment(AgentConfiguration configuration) {
        return new OpenStackCloudProvider(settings(configuration, OpenStackCredentials.fromEnvironment()));
    }

    static OpenStackSettings settings(AgentConfiguration configuration, OpenStackCredentials credentials) {
        return OpenStackSettings.defaults(credentials)
                .withTimeouts(configuration.openStackConnectTimeout(), configuration.openStackReadTimeout());
    }
}
