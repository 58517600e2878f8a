# The host side of the test bed's VM network (README.md, "Desktops"). Sourced by up and down.
#
# heps-br0 stands where a compute host's integration bridge would: the gateway 10.42.0.1 and
# the metadata address 169.254.169.254 are host addresses on it (/32, so the host claims no
# subnet), and every live desktop adds a /32 route to its VM address through it. The rest of
# heps-vm-network's subnet is unreachable: a connect to an address with no live desktop fails
# at once with EHOSTUNREACH and no packet leaves the machine. Desktops plug a veth into the
# bridge today; a QEMU guest would plug its tap the same way.

BRIDGE=heps-br0
BRIDGE_MAC=02:00:0a:2a:00:01   # fixed: a bridge otherwise takes the lowest MAC of its ports, which changes as desktops come and go
VM_SUBNET=10.42.0.0/20
VM_GATEWAY=10.42.0.1
METADATA_ADDRESS=169.254.169.254

network_up() {
    if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
        ip link add "$BRIDGE" address "$BRIDGE_MAC" type bridge forward_delay 0 stp_state 0 \
            || die "cannot create the bridge $BRIDGE"
    fi
    # IPv4 only: no router solicitations or link-local chatter from the host side.
    sysctl -qw "net.ipv6.conf.$BRIDGE.disable_ipv6=1" 2>/dev/null || true
    ip addr replace "$VM_GATEWAY/32" dev "$BRIDGE"
    ip addr replace "$METADATA_ADDRESS/32" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    ip route replace unreachable "$VM_SUBNET"
}

# After the desktops are gone (heps_desktops.py teardown-all): the /32 routes go with the bridge.
network_down() {
    ip route del unreachable "$VM_SUBNET" 2>/dev/null || true
    if ip link show "$BRIDGE" >/dev/null 2>&1; then
        ip link del "$BRIDGE"
        say "removed $BRIDGE and the route to $VM_SUBNET"
    fi
}
