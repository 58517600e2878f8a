package cn.ac.ihep.heps.common.cloud;

import java.util.Objects;

/**
 * One rule of a security group: traffic it admits in one direction.
 *
 * @param id the cloud's id of the rule; null for a rule not created yet
 * @param ipVersion 4 or 6
 * @param protocol {@code tcp}, {@code udp}, {@code icmp}, ... as the cloud names it; null: any protocol
 * @param portMin first destination port (TCP, UDP); null: every port
 * @param portMax last destination port; null: every port
 * @param remote the peers admitted by address; null: any address (unless {@code remoteGroupId} is set)
 * @param remoteGroupId the peers admitted are the members of this security group; null when by address
 */
public record SecurityGroupRule(String id, Direction direction, int ipVersion, String protocol, Integer portMin,
        Integer portMax, IpNetwork remote, String remoteGroupId) {

    public enum Direction { INGRESS, EGRESS }

    public SecurityGroupRule {
        Objects.requireNonNull(direction, "direction");
        if (remote != null && remote.ipVersion() != ipVersion) {
            throw new IllegalArgumentException("an IPv" + ipVersion + " rule cannot admit " + remote);
        }
    }

    /** Inbound TCP to one port from one network. */
    public static SecurityGroupRule ingressTcp(int port, IpNetwork from) {
        return new SecurityGroupRule(null, Direction.INGRESS, from.ipVersion(), "tcp", port, port, from, null);
    }

    /** Outbound anything to anywhere: the rule a new group starts with, once per IP version. */
    public static SecurityGroupRule egressAnywhere(int ipVersion) {
        return new SecurityGroupRule(null, Direction.EGRESS, ipVersion, null, null, null, null, null);
    }

    /** Whether both admit the same traffic; ids do not count. */
    public boolean admitsSameAs(SecurityGroupRule other) {
        return direction == other.direction && ipVersion == other.ipVersion
                && Objects.equals(protocol, other.protocol) && Objects.equals(portMin, other.portMin)
                && Objects.equals(portMax, other.portMax) && Objects.equals(remote, other.remote)
                && Objects.equals(remoteGroupId, other.remoteGroupId);
    }

    /** For logs and the audit: {@code ingress tcp 5900 from 10.42.0.1/32}. */
    public String describe() {
        StringBuilder text = new StringBuilder(direction.name().toLowerCase(java.util.Locale.ROOT))
                .append(" IPv").append(ipVersion).append(' ').append(protocol == null ? "any" : protocol);
        if (portMin != null) {
            text.append(' ').append(portMin);
            if (portMax != null && !portMax.equals(portMin)) {
                text.append('-').append(portMax);
            }
        }
        String peer = remoteGroupId != null ? "members of " + remoteGroupId : remote != null ? remote.toString() : "anywhere";
        return text.append(direction == Direction.INGRESS ? " from " : " to ").append(peer).toString();
    }
}
