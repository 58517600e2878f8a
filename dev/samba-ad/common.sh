# Shared by dev/samba-ad/up and dev/samba-ad/down: where the AD domain controller lives and
# the pid-file helpers (dev/lib/pidfile.sh). Sourced, never run.

HEPS_SAMBA_AD_HOME="${HEPS_SAMBA_AD_HOME:-/var/lib/heps-samba-ad}"
H="$HEPS_SAMBA_AD_HOME"
ETC="$H/etc"
LOG="$H/log"
RUN="$H/run"
TLS="$H/tls"
SMB_CONF="$ETC/smb.conf"

REALM=HEPS.TEST
DOMAIN=HEPS
BASE_DN="DC=heps,DC=test"
LDAPS_PORT=636
DC_HOST=dc1.heps.test
# The OpenStack test bed's desktop network (dev/openstack): when it is up, real guests on it join
# this domain, so the DC also answers on the bridge's gateway address, with a DNS server there.
GUEST_BRIDGE="${HEPS_SAMBA_AD_GUEST_BRIDGE:-heps-br0}"
GUEST_GATEWAY="${HEPS_SAMBA_AD_GUEST_GATEWAY:-10.42.0.1}"

say() { printf '[heps-samba-ad] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# start_time_of and pid_of (run/samba.pid is "<pid> <start time>"; Samba's own pid file,
# run/samba/samba.pid, is not trusted alone since the pid may since belong to someone else).
source "$(dirname "${BASH_SOURCE[0]}")/../lib/pidfile.sh"

# Stops the samba of the pid file, if it runs (callers hold $H/up.lock).
stop_samba() {
    local pid
    if pid=$(pid_of samba); then
        # The root process stops its prefork workers when it gets TERM.
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        if kill -0 "$pid" 2>/dev/null; then
            say "samba did not stop on TERM, killing its process group"
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
        say "stopped samba (pid $pid)"
    fi
    rm -f "$RUN/samba.pid"
}

# Stops the guests' DNS server of the pid file, if it runs.
stop_guest_dns() {
    local pid
    if pid=$(pid_of dnsmasq); then
        kill -TERM "$pid" 2>/dev/null || true
        say "stopped the guests' DNS server (pid $pid)"
    fi
    rm -f "$RUN/dnsmasq.pid"
}
