package cn.ac.ihep.heps.agent.firewall;

import cn.ac.ihep.heps.common.cloud.IpNetwork;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Who may open a desktop's VNC and RDP ports: the guacd hosts, by network, through the security
 * group every desktop is in.
 *
 * @param securityGroup the group's name in the agent's project ({@link #SECURITY_GROUP} but in tests)
 * @param guacdNetworks where guacd connects from; never empty, never every address
 */
public record DesktopAccess(String securityGroup, List<IpNetwork> guacdNetworks) {

    /** The security group of every desktop (docs/contracts.md §2). */
    public static final String SECURITY_GROUP = "heps-desktop";
    /** Two rules each, within Neutron's default quota of 100 rules per project. */
    public static final int MAX_GUACD_NETWORKS = 32;

    public DesktopAccess {
        if (securityGroup == null || securityGroup.isBlank()) {
            throw new IllegalArgumentException("a security group name is needed");
        }
        guacdNetworks = List.copyOf(guacdNetworks);
        if (guacdNetworks.isEmpty()) {
            throw new IllegalArgumentException("at least one guacd network is needed");
        }
    }

    /** In the contract's group. */
    public static DesktopAccess of(List<IpNetwork> guacdNetworks) {
        return new DesktopAccess(SECURITY_GROUP, guacdNetworks);
    }

    /**
     * Reads {@code guacd-cidrs}: comma-separated CIDRs, at most {@value #MAX_GUACD_NETWORKS}, none
     * covering every address; a network listed twice counts once. The exception's message says
     * which entry is wrong and why.
     */
    public static List<IpNetwork> parseGuacdNetworks(String value) {
        List<String> entries = new ArrayList<>();
        for (String entry : (value == null ? "" : value).split(",")) {
            if (!entry.isBlank()) {
                entries.add(entry.trim());
            }
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("name the networks guacd connects to desktops from, e.g. 10.0.5.20/32");
        }
        if (entries.size() > MAX_GUACD_NETWORKS) {
            throw new IllegalArgumentException("at most " + MAX_GUACD_NETWORKS + " networks, not " + entries.size()
                    + ": name guacd's hosts by larger networks");
        }
        Set<IpNetwork> networks = new LinkedHashSet<>();
        for (String entry : entries) {
            IpNetwork network = IpNetwork.parse(entry);
            if (network.coversEverything()) {
                throw new IllegalArgumentException("'" + entry + "' admits every address to the desktops' VNC and RDP "
                        + "ports; name guacd's hosts");
            }
            networks.add(network);
        }
        return List.copyOf(networks);
    }
}
