package cn.ac.ihep.heps.agent.firewall;

import static cn.ac.ihep.heps.testsupport.time.Eventually.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudSecurityGroup;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.IpNetwork;
import cn.ac.ihep.heps.common.cloud.SecurityGroupRule;
import cn.ac.ihep.heps.common.cloud.ServerRequest;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The desktops' security group against the test bed's real Neutron and Nova: made with exactly
 * the wanted rules, kept so when the guacd networks change (and when someone adds a rule by
 * hand), and joined by a running VM in place. Each test has a group of its own name, so that it
 * never touches the group the bed's agents share.
 */
class DesktopFirewallTestBedTest {
    private static final Duration BOOT = Duration.ofSeconds(120);
    private static final IpNetwork GUACD = IpNetwork.parse(OpenStackTestBed.GUACD_CIDR);

    private final OpenStackTestBed bed = OpenStackTestBed.find();
    private final CloudProvider cloud = bed.provider();
    private final String group = "heps-it-firewall-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private final List<String> servers = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (String id : servers) {
            try {
                cloud.deleteServer(id);
            } catch (CloudNotFoundException gone) {
                // already gone
            }
        }
        for (String id : servers) {
            await("server " + id + " to be deleted", BOOT, () -> cloud.findServer(id).isEmpty(), gone -> gone);
        }
        // Neutron deletes a deleted server's port a moment after Nova forgets it.
        await("the test's groups to be deleted", Duration.ofSeconds(30), () -> {
            for (CloudSecurityGroup made : cloud.findSecurityGroups(group)) {
                try {
                    cloud.deleteSecurityGroup(made.id());
                } catch (RuntimeException inUse) {
                    return false;
                }
            }
            return true;
        }, deleted -> deleted);
    }

    private DesktopFirewall firewall(String... guacdNetworks) {
        List<IpNetwork> networks = new ArrayList<>();
        for (String network : guacdNetworks) {
            networks.add(IpNetwork.parse(network));
        }
        return new DesktopFirewall(cloud, new DesktopAccess(group, networks));
    }

    /** The group's rules in Neutron, described, in a stable order. */
    private List<String> rulesInNeutron() {
        List<CloudSecurityGroup> groups = cloud.findSecurityGroups(group);
        assertEquals(1, groups.size(), "one group named " + group + ": " + groups);
        return groups.get(0).rules().stream().map(SecurityGroupRule::describe).sorted().toList();
    }

    private static List<String> described(DesktopFirewall firewall) {
        return firewall.wantedRules().stream().map(SecurityGroupRule::describe).sorted().toList();
    }

    @Test
    void theGroupIsMadeWithExactlyTheWantedRulesAndASecondPassChangesNothing() {
        DesktopFirewall firewall = firewall(OpenStackTestBed.GUACD_CIDR, "192.0.2.0/24");

        DesktopFirewall.Outcome first = firewall.ensure();
        assertTrue(first.created());
        assertEquals(List.of("ingress IPv4 tcp 3389 from 10.42.0.1/32", "ingress IPv4 tcp 3389 from 192.0.2.0/24",
                "ingress IPv4 tcp 5900 from 10.42.0.1/32", "ingress IPv4 tcp 5900 from 192.0.2.0/24"),
                first.added().stream().sorted().toList(), "Neutron gave the new group its egress rules itself");
        assertEquals(List.of(), first.removed());
        assertEquals(described(firewall), rulesInNeutron());

        DesktopFirewall.Outcome second = firewall.ensure();
        assertTrue(second.changedNothing(), second.toString());
        assertEquals(first.groupId(), second.groupId());
    }

    @Test
    void changedGuacdNetworksAddTheMissingRulesAndRemoveStaleAndHandMadeOnes() {
        String id = firewall(OpenStackTestBed.GUACD_CIDR, "192.0.2.0/24").ensure().groupId();
        // An operator opens SSH to the world by hand; the agent's group is not the place for it.
        cloud.addSecurityGroupRule(id, new SecurityGroupRule(null, SecurityGroupRule.Direction.INGRESS, 4, "tcp", 22,
                22, IpNetwork.parse("0.0.0.0/0"), null));

        DesktopFirewall moved = firewall(OpenStackTestBed.GUACD_CIDR, "198.51.100.7/32", "2001:db8::/64");
        DesktopFirewall.Outcome outcome = moved.ensure();
        assertFalse(outcome.created());
        assertEquals(id, outcome.groupId());
        assertEquals(List.of("ingress IPv4 tcp 3389 from 198.51.100.7/32", "ingress IPv4 tcp 5900 from 198.51.100.7/32",
                "ingress IPv6 tcp 3389 from 2001:db8::/64", "ingress IPv6 tcp 5900 from 2001:db8::/64"),
                outcome.added().stream().sorted().toList());
        assertEquals(List.of("ingress IPv4 tcp 22 from 0.0.0.0/0", "ingress IPv4 tcp 3389 from 192.0.2.0/24",
                "ingress IPv4 tcp 5900 from 192.0.2.0/24"), outcome.removed().stream().sorted().toList());
        assertEquals(described(moved), rulesInNeutron());
        assertTrue(moved.ensure().changedNothing());
    }

    @Test
    void aRunningVmOutsideTheGroupJoinsItInPlaceAndLeavesDefault() {
        DesktopFirewall firewall = firewall(OpenStackTestBed.GUACD_CIDR);
        String groupId = firewall.ensure().groupId();
        String image = cloud.listImages(Map.of()).stream().filter(i -> OpenStackTestBed.LINUX_IMAGE.equals(i.name()))
                .findFirst().orElseThrow().id();
        String flavor = cloud.findFlavor(OpenStackTestBed.CPU_FLAVOR).orElseThrow().id();
        // As a desktop made before the agent kept a group: booted without one, so in default.
        CloudServer booted = cloud.createServer(new ServerRequest("heps-it-firewall-vm", image, flavor,
                OpenStackTestBed.NETWORK, Set.of(), Map.of(), null, null));
        servers.add(booted.id());
        CloudServer old = await("the VM to run", BOOT, () -> cloud.findServer(booted.id()).orElseThrow(),
                s -> s.state() == ServerState.ACTIVE);
        assertEquals(Set.of(DesktopFirewall.DEFAULT_GROUP), old.securityGroups());
        assertFalse(firewall.isSecured(old));

        assertEquals(List.of("added to " + group, "removed from default"), firewall.secure(old, groupId));

        CloudServer secured = cloud.findServer(booted.id()).orElseThrow();
        assertEquals(Set.of(group), secured.securityGroups());
        assertEquals(ServerState.ACTIVE, secured.state(), "not rebooted, not rebuilt");
        assertEquals(old.fixedAddresses(), secured.fixedAddresses(), "the same port");
        assertTrue(firewall.isSecured(secured));
        assertEquals(List.of(), firewall.secure(secured, groupId));
    }

    @Test
    void aVmBootedInTheGroupIsInItFromTheStart() {
        String groupId = firewall(OpenStackTestBed.GUACD_CIDR).ensure().groupId();
        String image = cloud.listImages(Map.of()).stream().filter(i -> OpenStackTestBed.LINUX_IMAGE.equals(i.name()))
                .findFirst().orElseThrow().id();
        String flavor = cloud.findFlavor(OpenStackTestBed.CPU_FLAVOR).orElseThrow().id();
        CloudServer booted = cloud.createServer(new ServerRequest("heps-it-firewall-vm", image, flavor,
                OpenStackTestBed.NETWORK, Set.of(), Map.of(), null, null, List.of(groupId)));
        servers.add(booted.id());
        CloudServer running = await("the VM to run", BOOT, () -> cloud.findServer(booted.id()).orElseThrow(),
                s -> s.state() == ServerState.ACTIVE);
        assertEquals(Set.of(group), running.securityGroups());
    }
}
