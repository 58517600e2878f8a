package cn.ac.ihep.heps.common.cloud;

import java.time.Instant;
import java.util.List;

/**
 * A security group of the provider's project with its rules.
 *
 * @param created when the cloud made it; null when it does not say
 */
public record CloudSecurityGroup(String id, String name, List<SecurityGroupRule> rules, Instant created) {

    public CloudSecurityGroup {
        rules = List.copyOf(rules);
    }
}
