package cn.ac.ihep.heps.agent.firewall;

import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudSecurityGroup;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.IpNetwork;
import cn.ac.ihep.heps.common.cloud.SecurityGroupRule;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the desktops' security group as the settings say, controller style: the group exists,
 * its rules are exactly the wanted ones (missing ones added, every other removed, whoever made
 * it), and each desktop is in it and out of the project's {@code default} group, whose rules
 * admit every other VM of that group. Other groups an operator puts a desktop in stay.
 *
 * <p>Wanted: inbound TCP 5900 (VNC) and 3389 (RDP) from each guacd network; outbound anything,
 * IPv4 and IPv6, the rules OpenStack gives every new group (the guest enrolls with the agent,
 * joins the domain, mounts storage). Replies to the guest's own connections, DHCP and related
 * ICMP need no rule: security groups are stateful.
 */
public final class DesktopFirewall {
    private static final Logger LOG = LoggerFactory.getLogger(DesktopFirewall.class);

    public static final int VNC_PORT = 5900;
    public static final int RDP_PORT = 3389;
    /** The group Nova puts a port in when the boot request names none. */
    public static final String DEFAULT_GROUP = "default";

    private final CloudProvider cloud;
    private final DesktopAccess access;

    public DesktopFirewall(CloudProvider cloud, DesktopAccess access) {
        this.cloud = cloud;
        this.access = access;
    }

    public String groupName() {
        return access.securityGroup();
    }

    /** The group's rules as they must be. */
    public List<SecurityGroupRule> wantedRules() {
        List<SecurityGroupRule> rules = new ArrayList<>();
        for (IpNetwork guacd : access.guacdNetworks()) {
            rules.add(SecurityGroupRule.ingressTcp(VNC_PORT, guacd));
            rules.add(SecurityGroupRule.ingressTcp(RDP_PORT, guacd));
        }
        rules.add(SecurityGroupRule.egressAnywhere(4));
        rules.add(SecurityGroupRule.egressAnywhere(6));
        return rules;
    }

    /**
     * What one {@link #ensure()} did.
     *
     * @param created whether the group was made now
     * @param added the rules added, described
     * @param removed the rules removed, described
     */
    public record Outcome(String groupId, boolean created, List<String> added, List<String> removed) {
        public boolean changedNothing() {
            return !created && added.isEmpty() && removed.isEmpty();
        }
    }

    /**
     * Makes the group exist with exactly the wanted rules; one call to the cloud when nothing is
     * to change. New rules go in before stale ones go, so guacd is never shut out while a
     * network is renamed. Two agents starting at once may both make the group: each then keeps
     * the oldest and deletes the one it made.
     */
    public Outcome ensure() {
        List<CloudSecurityGroup> groups = cloud.findSecurityGroups(groupName());
        boolean created = false;
        CloudSecurityGroup group;
        if (groups.isEmpty()) {
            CloudSecurityGroup made = cloud.createSecurityGroup(groupName(),
                    "HEPS desktops: VNC and RDP from guacd only; kept by the provisioning agent");
            created = true;
            group = keepOldest(made);
        } else {
            if (groups.size() > 1) {
                LOG.warn("{} security groups are named {}: using the oldest, {}; delete the others once no port "
                        + "uses them", groups.size(), groupName(), groups.get(0).id());
            }
            group = groups.get(0);
        }
        List<SecurityGroupRule> wanted = wantedRules();
        List<String> added = new ArrayList<>();
        for (SecurityGroupRule rule : wanted) {
            if (group.rules().stream().noneMatch(rule::admitsSameAs)) {
                cloud.addSecurityGroupRule(group.id(), rule);
                added.add(rule.describe());
            }
        }
        List<String> removed = new ArrayList<>();
        List<SecurityGroupRule> kept = new ArrayList<>();
        for (SecurityGroupRule rule : group.rules()) {
            boolean isWanted = wanted.stream().anyMatch(rule::admitsSameAs);
            boolean duplicate = kept.stream().anyMatch(rule::admitsSameAs);
            if (isWanted && !duplicate) {
                kept.add(rule);
                continue;
            }
            try {
                cloud.deleteSecurityGroupRule(rule.id());
            } catch (CloudNotFoundException gone) {
                LOG.debug("Rule {} of {} was already gone", rule.id(), groupName());
            }
            removed.add(rule.describe());
        }
        return new Outcome(group.id(), created, List.copyOf(added), List.copyOf(removed));
    }

    private CloudSecurityGroup keepOldest(CloudSecurityGroup made) {
        List<CloudSecurityGroup> groups = cloud.findSecurityGroups(groupName());
        if (groups.isEmpty() || groups.get(0).id().equals(made.id())) {
            return groups.isEmpty() ? made : groups.get(0);
        }
        // Another agent made one first: ours goes, nobody uses it yet.
        try {
            cloud.deleteSecurityGroup(made.id());
        } catch (CloudException e) {
            LOG.warn("Could not delete the second security group {} ({}): {}", groupName(), made.id(), e.getMessage());
        }
        return groups.get(0);
    }

    /** Whether the server's ports are in the desktops' group and out of {@code default}. */
    public boolean isSecured(CloudServer server) {
        return server.securityGroups().contains(groupName()) && !server.securityGroups().contains(DEFAULT_GROUP);
    }

    /**
     * Puts a running or sleeping desktop into the group and takes it out of {@code default},
     * without recreating it. The group goes in first: the ports are never without a group.
     *
     * @return what changed, for the audit log; empty when nothing had to
     */
    public List<String> secure(CloudServer server, String groupId) {
        List<String> changes = new ArrayList<>();
        if (!server.securityGroups().contains(groupName())) {
            cloud.addServerSecurityGroup(server.id(), groupId);
            changes.add("added to " + groupName());
        }
        if (server.securityGroups().contains(DEFAULT_GROUP)) {
            cloud.removeServerSecurityGroup(server.id(), DEFAULT_GROUP);
            changes.add("removed from " + DEFAULT_GROUP);
        }
        return changes;
    }
}
