# shellcheck shell=bash
# Private PostgreSQL 15 clusters for deploy/up (kept in ./var) and tests/run (throwaway).
# Sourced after common.sh; never executed.
#
# PostgreSQL refuses to run as root, so when we are root every server-side command
# (initdb, pg_ctl, createdb, psql) runs as the `postgres` system user that the Debian package
# creates; otherwise it runs as ourselves. Commands start from `/` because that user may not be
# able to enter our working directory; every path handed to them must therefore be absolute and
# physical (no symlinks through directories that user cannot traverse).
#
# Authentication is `trust`, which is only acceptable because the socket directory and the
# socket itself are private to the cluster's owner (mode 0700) and, for deploy/up, nothing
# listens on TCP.

SGW_PG_BIN=${SGW_PG_BIN:-/usr/lib/postgresql/15/bin}
# The superuser role initdb creates; every database URL names it explicitly, so the URL works
# whatever OS user runs spamgw.
SGW_PG_ROLE=spamgw

# The OS user the cluster runs as.
sgw_pg_os_user() {
    if sgw_is_root; then printf 'postgres\n'; else id -un; fi
}

# Runs a command as the cluster's OS user, from /.
sgw_as_pg() {
    if sgw_is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

# The same, as one string for `sh -c` (SPAMGW_TEST_PG_START/STOP).
sgw_as_pg_cmd() {
    local out='cd / &&' w
    if sgw_is_root; then out+=' runuser -u postgres --'; fi
    for w in "$@"; do out+=" $(sgw_shquote "$w")"; done
    printf '%s' "$out"
}

# Hands paths to the cluster's OS user (no-op when that is us).
sgw_pg_chown() {
    if sgw_is_root; then chown postgres:postgres "$@"; fi
}

# True if the cluster's OS user can traverse into directory $1.
sgw_pg_can_traverse() {
    sgw_as_pg test -x "$1" 2>/dev/null
}

# True if the socket of port $2 in directory $1 fits in sun_path (108 bytes with the NUL).
sgw_pg_socket_fits() {
    local n
    n=$(sgw_bytelen "$1/.s.PGSQL.$2")
    ((n <= 107))
}

# Fails with a clear message unless PostgreSQL 15's server programs and, when root, the
# postgres user are there.
sgw_pg_require() {
    [[ -x $SGW_PG_BIN/initdb && -x $SGW_PG_BIN/pg_ctl ]] ||
        sgw_die "PostgreSQL 15 server programs not found in $SGW_PG_BIN (package postgresql-15)"
    if sgw_is_root; then
        id postgres >/dev/null 2>&1 ||
            sgw_die "running as root but there is no 'postgres' user to run PostgreSQL as"
        command -v runuser >/dev/null 2>&1 || sgw_die "runuser (util-linux) not found"
    fi
}

# Creates a cluster in the empty or absent directory $1 (its parent must exist).
sgw_pg_initdb() {
    local data=$1
    sgw_as_pg "$SGW_PG_BIN/initdb" -D "$data" -U "$SGW_PG_ROLE" -A trust -E UTF8 \
        --locale=C.UTF-8 --no-instructions >/dev/null ||
        sgw_die "initdb failed for $data"
    # Our settings live in spamgw.conf, rewritten on every start; a missing file is an error
    # rather than a silent fall-back to the default TCP listener.
    printf "\n# spamgw: settings managed by tests/lib/pg.sh\ninclude = 'spamgw.conf'\n" |
        sgw_as_pg tee -a "$data/postgresql.conf" >/dev/null
}

# Writes $1/spamgw.conf: listen addresses $2 ('' for none), socket directory $3, port $4.
sgw_pg_write_conf() {
    local data=$1 listen=$2 sock=$3 port=$4
    {
        printf '# Written by tests/lib/pg.sh before every start; edits are overwritten.\n'
        printf "listen_addresses = '%s'\n" "${listen//\'/\'\'}"
        printf 'port = %s\n' "$port"
        printf "unix_socket_directories = '%s'\n" "${sock//\'/\'\'}"
        printf 'unix_socket_permissions = 0700\n'
        printf 'fsync = on\n'
        printf 'synchronous_commit = on\n'
        printf 'full_page_writes = on\n'
    } | sgw_as_pg tee "$data/spamgw.conf" >/dev/null
}

# True if a postmaster is running on data directory $1.
sgw_pg_running() {
    sgw_as_pg "$SGW_PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

# Argument vectors of the start and stop commands, shared by the functions and the strings.
sgw_pg_start_argv() { printf '%s\0' "$SGW_PG_BIN/pg_ctl" -D "$1" -l "$2" -w -t 60 -s start; }
sgw_pg_stop_argv() { printf '%s\0' "$SGW_PG_BIN/pg_ctl" -D "$1" -m fast -w -t 60 -s stop; }

# Starts the cluster in $1, logging to $2 (absolute, writable by the cluster's user).
sgw_pg_start() {
    local argv
    mapfile -d '' -t argv < <(sgw_pg_start_argv "$1" "$2")
    sgw_as_pg "${argv[@]}"
}

# Stops the cluster in $1 (fast: rolls back open transactions, then a clean shutdown).
sgw_pg_stop() {
    local argv
    mapfile -d '' -t argv < <(sgw_pg_stop_argv "$1")
    sgw_as_pg "${argv[@]}"
}

# Complete `sh -c` command strings that start / stop the cluster in $1 (log $2).
sgw_pg_start_cmd() {
    local argv
    mapfile -d '' -t argv < <(sgw_pg_start_argv "$1" "$2")
    sgw_as_pg_cmd "${argv[@]}"
}
sgw_pg_stop_cmd() {
    local argv
    mapfile -d '' -t argv < <(sgw_pg_stop_argv "$1")
    sgw_as_pg_cmd "${argv[@]}"
}

# Prints the postmaster's PID for data directory $1, or nothing.
sgw_pg_pid() {
    local pid=''
    if [[ -r $1/postmaster.pid ]]; then
        read -r pid <"$1/postmaster.pid" 2>/dev/null || true
    fi
    if [[ $pid =~ ^[0-9]+$ ]]; then printf '%s\n' "$pid"; fi
}

# Creates database $3 through the socket in $1, port $2, unless it exists.
sgw_pg_createdb() {
    local sock=$1 port=$2 name=$3 exists
    [[ $name =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || sgw_die "bad database name: $name"
    exists=$(sgw_as_pg "$SGW_PG_BIN/psql" -X -q -A -t -h "$sock" -p "$port" -U "$SGW_PG_ROLE" \
        -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$name'") ||
        sgw_die "cannot query the cluster at $sock port $port"
    [[ $exists == 1 ]] && return 0
    sgw_as_pg "$SGW_PG_BIN/createdb" -h "$sock" -p "$port" -U "$SGW_PG_ROLE" "$name" ||
        sgw_die "createdb $name failed"
}
