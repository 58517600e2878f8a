# Starting long-lived processes from the dev scripts. Sourced, never run.

# Runs "$@" (exec) with no descriptor above 2 left open. A daemon must not inherit, and so hold
# for as long as it runs, a lock its caller took: `flock /tmp/heps-realstack.lock dev/... up`
# leaves flock's descriptor open in everything it starts (unless flock -o), and the lock would
# outlive the sequence it was meant to cover.
without_inherited_fds() {
    local fd
    for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        [[ $fd =~ ^[0-9]+$ ]] && (( fd > 2 )) && eval "exec $fd>&-"
    done
    exec "$@"
}
