# Shared by dev/guacamole/up, down and status: where the local Guacamole stack lives and the
# prerequisites it runs. Sourced, never run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"

# The upstream parts, never built by this project (README, "Guacamole and guacd").
GUACD_HOME="${GUACD_HOME:-/opt/guacamole/server}"
GUACAMOLE_WAR="${GUACAMOLE_WAR:-/opt/guacamole/client/guacamole.war}"
# Upstream extensions the deployment uses beside ours (the official image bundles them).
GUACAMOLE_EXTENSIONS="${GUACAMOLE_EXTENSIONS:-$(dirname "$GUACAMOLE_WAR")/extensions}"
TOMCAT_VERSION=9.0.98

# State of this checkout's stack; the demo's keys and secrets configure it.
G="$ROOT/.local/guacamole"
DEMO="${HEPS_DEMO_HOME:-$ROOT/.local/demo}"
RUN="$G/run"
LOG="$G/log"
GUACAMOLE_HOME="$G/home"
CATALINA_BASE="$G/catalina-base"

GUACD_ADDRESS=127.0.0.1
GUACD_PORT=4822
GUACAMOLE_ADDRESS=127.0.0.1
GUACAMOLE_PORT="${HEPS_GUACAMOLE_PORT:-8080}"
GUACAMOLE_URL="http://$GUACAMOLE_ADDRESS:$GUACAMOLE_PORT/guacamole/"

SERVICES=(guacd tomcat)

AUTH_JAR="$ROOT/guacamole-auth-heps/target/guacamole-auth-heps-0.1.0-SNAPSHOT.jar"
RESOLVER_JAR="$ROOT/guacamole-vm-resolver/target/guacamole-vm-resolver-0.1.0-SNAPSHOT.jar"

say() { printf '[heps-guacamole] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

source "$ROOT/dev/lib/pidfile.sh"
source "$ROOT/dev/lib/daemon.sh"
is_running() { pid_of "$1" >/dev/null; }

# One line naming what is missing and where a site gets it, or nothing when all is there.
missing_prerequisite() {
    local where="see README.md, section \"Guacamole and guacd\" (Apache Guacamole 1.6.0 release, or the official guacamole/guacd and guacamole/guacamole images)"
    if [[ ! -x $GUACD_HOME/sbin/guacd ]]; then
        echo "guacd 1.6.0 is missing: no executable $GUACD_HOME/sbin/guacd (set GUACD_HOME); $where"
    elif [[ ! -f $GUACAMOLE_WAR ]]; then
        echo "the Guacamole 1.6.0 web application is missing: no $GUACAMOLE_WAR (set GUACAMOLE_WAR); $where"
    elif ! compgen -G "$GUACAMOLE_EXTENSIONS/guacamole-auth-ban-*.jar" >/dev/null; then
        echo "Guacamole's guacamole-auth-ban 1.6.0 extension is missing from $GUACAMOLE_EXTENSIONS (set GUACAMOLE_EXTENSIONS); $where"
    elif ! compgen -G "$GUACAMOLE_EXTENSIONS/guacamole-history-recording-storage-*.jar" >/dev/null; then
        echo "Guacamole's guacamole-history-recording-storage 1.6.0 extension is missing from $GUACAMOLE_EXTENSIONS (set GUACAMOLE_EXTENSIONS); $where"
    fi
}

# Guacamole logs an extension whose provider failed to start as loaded all the same; these
# lines are how such a failure shows (Guacamole's ProviderFactory and ExtensionModule, and the
# resolver's own refusal to run half-configured).
extension_failures() {
    grep -h -E 'extension failed to start|Extension .* could not be loaded|desktop resolver could not start' \
        "$LOG/tomcat.out" 2>/dev/null || true
}
