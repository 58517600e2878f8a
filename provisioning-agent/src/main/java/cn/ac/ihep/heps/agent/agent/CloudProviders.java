package cn.ac.ihep.heps.agent.agent;

import cn.ac.ihep.heps.agent.config.AgentConfiguration;
import cn.ac.ihep.heps.agent.openstack.RestCloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudProvider;

/** How the agent and the CLI reach OpenStack: clouds.yaml / OS_* as every OpenStack client does (CONTRACTS §2). */
public final class CloudProviders {
    private CloudProviders() {
    }

    public static CloudProvider fromEnvironment(AgentConfiguration configuration) {
        return RestCloudProvider.fromEnvironment(System.getenv());
    }
}
