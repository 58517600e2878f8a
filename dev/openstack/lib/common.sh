# Shared by dev/openstack/up and dev/openstack/down: where the test bed lives, its ports,
# and the pid-file helpers (dev/lib/pidfile.sh). Sourced, never run.

HEPS_OPENSTACK_HOME="${HEPS_OPENSTACK_HOME:-/var/lib/heps-openstack}"
H="$HEPS_OPENSTACK_HOME"
ETC="$H/etc"
LOG="$H/log"
RUN="$H/run"
STATE="$H/state"

KEYSTONE_PORT=5000
PLACEMENT_PORT=8778
GLANCE_PORT=9292
NOVA_PORT=8774
NEUTRON_PORT=9696
APT_PROXY_PORT=3142   # on the VM network's gateway (lib/network.sh), for guests only

DB_HOST=127.0.0.1
DB_PORT=3306
DB_USER=heps_os
DB_PREFIX=heps_os_
RABBIT_VHOST=heps-openstack

# The compute host whose guests are real (Nova's libvirt driver on QEMU); the others run the fake driver.
QEMU_HOST=heps-compute-qemu

# Order matters: down stops them in reverse.
SERVICES=(keystone placement glance neutron nova-api nova-conductor nova-scheduler nova-compute-1 nova-compute-2
          virtlogd libvirtd nova-compute-qemu heps-desktops apt-proxy)

say() { printf '[heps-openstack] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# start_time_of and pid_of, shared with dev/samba-ad.
source "$(dirname "${BASH_SOURCE[0]}")/../../lib/pidfile.sh"

is_running() { pid_of "$1" >/dev/null; }
