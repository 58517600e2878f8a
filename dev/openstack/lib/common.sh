# Shared by dev/openstack/up and dev/openstack/down: where the test bed lives, its ports,
# and the pid-file helpers. Sourced, never run.

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

DB_HOST=127.0.0.1
DB_PORT=3306
DB_USER=heps_os
DB_PREFIX=heps_os_
RABBIT_VHOST=heps-openstack

# Order matters: down stops them in reverse.
SERVICES=(keystone placement glance neutron nova-api nova-conductor nova-scheduler nova-compute-1 nova-compute-2)

say() { printf '[heps-openstack] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

start_time_of() { # kernel start time of a pid, to tell it from a later process with the same pid
    local stat
    stat=$(<"/proc/$1/stat") 2>/dev/null || return 1
    stat=${stat##*) }
    set -- $stat
    echo "${20}"
}

# Pid files hold "<pid> <start time>": a pid file can outlive its process (machine restarted,
# process killed), and the pid may since belong to someone else.
pid_of() {
    local file="$RUN/$1.pid"
    [[ -s "$file" ]] || return 1
    local pid started
    read -r pid started <"$file"
    [[ -n $pid && -n $started && "$(start_time_of "$pid" 2>/dev/null)" == "$started" ]] || return 1
    echo "$pid"
}

is_running() { pid_of "$1" >/dev/null; }
