package cn.ac.ihep.heps.agent.firewall;

import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doReturn;

import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudSecurityGroup;
import cn.ac.ihep.heps.common.cloud.IpNetwork;
import cn.ac.ihep.heps.common.cloud.SecurityGroupRule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * For unit tests that isolate the cloud with a mock: the desktops' security group already exists
 * with exactly the wanted rules, so a reconcile pass changes nothing about it.
 */
public final class ReadySecurityGroup {
    public static final DesktopAccess ACCESS = DesktopAccess.of(List.of(IpNetwork.parse("10.42.0.1/32")));
    public static final String ID = "sg-desktops";

    private ReadySecurityGroup() {
    }

    public static DesktopAccess existsIn(CloudProvider mock) {
        List<SecurityGroupRule> rules = new ArrayList<>();
        int n = 0;
        for (SecurityGroupRule rule : new DesktopFirewall(mock, ACCESS).wantedRules()) {
            rules.add(new SecurityGroupRule("rule-" + n++, rule.direction(), rule.ipVersion(), rule.protocol(),
                    rule.portMin(), rule.portMax(), rule.remote(), rule.remoteGroupId()));
        }
        // doReturn: also replaces an earlier answer that throws.
        doReturn(List.of(new CloudSecurityGroup(ID, ACCESS.securityGroup(), rules,
                Instant.parse("2026-11-01T00:00:00Z")))).when(mock).findSecurityGroups(anyString());
        return ACCESS;
    }
}
