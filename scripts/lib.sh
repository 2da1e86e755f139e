# Helpers shared by the scripts in this folder (sourced, not run).
# shellcheck shell=bash

say() { printf '[%s] %s\n' "${SCRIPT_TAG:-lms}" "$*"; }
die() {
    printf '[%s] error: %s\n' "${SCRIPT_TAG:-lms}" "$*" >&2
    exit 1
}

# redis_ping HOST PORT: true when a Redis answers PONG there (bash only: no redis-cli needed).
redis_ping() {
    local reply=
    # The subshell owns fd 3, so a refused or hung connection leaks nothing.
    reply=$(
        exec 2>/dev/null
        exec 3<>"/dev/tcp/$1/$2" || exit 1
        printf 'PING\r\n' >&3
        IFS= read -r -t 2 line <&3 && printf '%s' "$line"
    )
    [[ $reply == +PONG* ]]
}

# redis_address URL: print "SCHEME HOST PORT" of a redis:// URL (port 6379 when left out).
redis_address() {
    python3 -c '
import sys
from urllib.parse import urlsplit
u = urlsplit(sys.argv[1])
print(u.scheme or "-", u.hostname or "-", u.port or 6379)' "$1"
}

# is_local_host HOST: an address this machine can start a Redis on.
is_local_host() { [[ $1 == localhost || $1 == 127.0.0.1 || $1 == ::1 ]]; }
