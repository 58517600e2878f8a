# Pid-file helpers shared by the local test beds (dev/openstack, dev/samba-ad). Sourced, never
# run. The sourcing script sets RUN, the directory holding <name>.pid files.

start_time_of() { # kernel start time of a pid, to tell it from a later process with the same pid
    local stat
    stat=$(<"/proc/$1/stat") 2>/dev/null || return 1
    stat=${stat##*) }
    set -- $stat
    echo "${20}"
}

# Pid files hold "<pid> <start time>": a pid file can outlive its process (machine restarted,
# process killed), and the pid may since belong to someone else.
pid_of() { # $1 = name; prints the pid while that process still runs
    local file="$RUN/$1.pid"
    [[ -s "$file" ]] || return 1
    local pid started
    read -r pid started <"$file"
    [[ -n $pid && -n $started && "$(start_time_of "$pid" 2>/dev/null)" == "$started" ]] || return 1
    echo "$pid"
}
