package cn.ac.ihep.heps.agent.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.config.AgentConfiguration;
import cn.ac.ihep.heps.agent.config.ConfigurationException;
import cn.ac.ihep.heps.common.cloud.IpNetwork;
import cn.ac.ihep.heps.common.cloud.SecurityGroupRule;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DesktopAccessTest {

    @Test
    void guacdNetworksAreCidrsOfEitherVersionEachCountedOnce() {
        assertEquals(List.of(IpNetwork.parse("10.42.0.1/32"), IpNetwork.parse("192.168.10.0/24"),
                        IpNetwork.parse("2001:db8::/64")),
                DesktopAccess.parseGuacdNetworks(" 10.42.0.1/32, 192.168.10.0/24,,2001:db8:0::/64,10.42.0.1/32 "));
    }

    @Test
    void badValuesAreRefusedSayingWhy() {
        assertRefused("", "name the networks guacd connects to desktops from");
        assertRefused(" , ", "name the networks guacd connects to desktops from");
        assertRefused("10.42.0.1", "'10.42.0.1' is not a CIDR");
        assertRefused("guacd.example.org/32", "is not an IPv4 or IPv6 address");
        assertRefused("10.42.0.1/24", "did you mean 10.42.0.0/24?");
        assertRefused("10.42.0.1/32, 0.0.0.0/0", "'0.0.0.0/0' admits every address");
        assertRefused("::/0", "admits every address");
        String many = IntStream.range(0, 33).mapToObj(i -> "10.0." + i + ".0/24").collect(Collectors.joining(","));
        assertRefused(many, "at most 32 networks, not 33");
        assertEquals(32, DesktopAccess.parseGuacdNetworks(many.substring(0, many.lastIndexOf(','))).size());
    }

    @Test
    void theSettingIsRequiredAndItsErrorsNameIt() {
        ConfigurationException missing = assertThrows(ConfigurationException.class,
                () -> AgentConfiguration.of(Map.of()).guacdNetworks());
        assertTrue(missing.getMessage().contains("guacd-cidrs (HEPS_GUACD_CIDRS) is required"), missing.getMessage());
        ConfigurationException bad = assertThrows(ConfigurationException.class,
                () -> AgentConfiguration.of(Map.of("guacd-cidrs", "10.0.0.0/0")).guacdNetworks());
        assertTrue(bad.getMessage().startsWith("The setting guacd-cidrs (HEPS_GUACD_CIDRS): '10.0.0.0/0' is not a CIDR"),
                bad.getMessage());
        assertEquals(List.of(IpNetwork.parse("10.42.0.1/32")),
                AgentConfiguration.of(Map.of("guacd-cidrs", "10.42.0.1/32")).guacdNetworks());
    }

    @Test
    void theGroupAdmitsVncAndRdpFromEachGuacdNetworkAndSendsAnywhere() {
        DesktopAccess access = DesktopAccess.of(DesktopAccess.parseGuacdNetworks("10.42.0.1/32,2001:db8::/64"));
        assertEquals("heps-desktop", access.securityGroup());
        List<String> rules = new DesktopFirewall(null, access).wantedRules().stream().map(SecurityGroupRule::describe)
                .toList();
        assertEquals(List.of("ingress IPv4 tcp 5900 from 10.42.0.1/32", "ingress IPv4 tcp 3389 from 10.42.0.1/32",
                "ingress IPv6 tcp 5900 from 2001:db8::/64", "ingress IPv6 tcp 3389 from 2001:db8::/64",
                "egress IPv4 any to anywhere", "egress IPv6 any to anywhere"), rules);
    }

    private static void assertRefused(String value, String because) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DesktopAccess.parseGuacdNetworks(value), value);
        assertTrue(e.getMessage().contains(because), e.getMessage());
    }
}
