package cn.ac.ihep.heps.agent.agent;

import cn.ac.ihep.heps.agent.cli.support.CommandFailedException;
import cn.ac.ihep.heps.agent.config.AgentConfiguration;
import cn.ac.ihep.heps.common.cloud.CloudProvider;

/** How the CLI reaches OpenStack: clouds.yaml / OS_* as every OpenStack client does (CONTRACTS §2). */
public final class CloudProviders {
    private CloudProviders() {
    }

    public static CloudProvider fromEnvironment(AgentConfiguration configuration) {
        throw new CommandFailedException("This build has no OpenStack provider yet");
    }
}
