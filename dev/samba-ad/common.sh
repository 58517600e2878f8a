# Shared by dev/samba-ad/up and dev/samba-ad/down: where the AD domain controller lives and
# the pid-file helpers. Sourced, never run.

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

say() { printf '[heps-samba-ad] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

start_time_of() { # kernel start time of a pid, to tell it from a later process with the same pid
    local stat
    stat=$(<"/proc/$1/stat") 2>/dev/null || return 1
    stat=${stat##*) }
    set -- $stat
    echo "${20}"
}

# run/samba.pid is "<pid> <start time>"; Samba's own pid file (run/samba/samba.pid) is not
# trusted alone, since the pid may since belong to someone else.
pid_of_samba() {
    local file="$RUN/samba.pid"
    [[ -s "$file" ]] || return 1
    local pid started
    read -r pid started <"$file"
    [[ -n $pid && -n $started && "$(start_time_of "$pid" 2>/dev/null)" == "$started" ]] || return 1
    echo "$pid"
}
