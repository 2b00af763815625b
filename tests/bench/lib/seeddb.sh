# shellcheck shell=bash
# shellcheck disable=SC2034 # SEED_* are set here for the scripts that source this file
# The seeded database of tests/bench/seed, shared by tests/bench/{seed,api,export}.
# Sourced after tests/lib/common.sh and tests/lib/pg.sh; never executed.
#
# A seed directory DIR holds data/ (the PostgreSQL 15 cluster), seed.env (PORT, DBNAME, the
# figures of the run that filled it) and the logs. The cluster listens on 127.0.0.1:PORT and
# on a socket in DIR; authentication is trust, so DIR stays private to root and postgres.

# Settings for a bulk-loaded analytics database on this machine kind (23 GiB, 2 cores, shared
# with other work): big enough caches, rare checkpoints. fsync and synchronous_commit stay on
# in the server; the load runs with synchronous_commit off in its own sessions (PGOPTIONS).
seeddb_tune() {
    local data=$1
    printf '%s\n' "shared_buffers = '${SEED_SHARED_BUFFERS:-3GB}'" \
        "effective_cache_size = '8GB'" "maintenance_work_mem = '1GB'" "work_mem = '32MB'" \
        "max_wal_size = '16GB'" "min_wal_size = '1GB'" "checkpoint_timeout = '30min'" \
        "checkpoint_completion_target = 0.9" "wal_buffers = '64MB'" "random_page_cost = 1.1" \
        "max_connections = 200" |
        sgw_as_pg tee -a "$data/spamgw.conf" >/dev/null
}

# Starts the cluster of seed directory $1 unless it runs; sets SEED_PORT, SEED_URL, SEED_DATA,
# SEED_STARTED (1 when this call started it). Port from $1/seed.env, else a free one ($2).
seeddb_start() {
    local dir=$1 port=${2:-}
    SEED_DATA=$dir/data
    [[ -f $SEED_DATA/PG_VERSION ]] || sgw_die "$dir has no seeded cluster (run tests/bench/seed --dir $dir)"
    if [[ -f $dir/seed.env ]]; then
        port=$(seeddb_env_get "$dir" PORT)
    fi
    [[ $port =~ ^[0-9]+$ ]] || sgw_die "no port for $dir"
    SEED_PORT=$port
    SEED_STARTED=0
    if ! sgw_pg_running "$SEED_DATA"; then
        sgw_pg_write_conf "$SEED_DATA" 127.0.0.1 "$dir" "$port"
        seeddb_tune "$SEED_DATA"
        sgw_pg_start "$SEED_DATA" "$dir/pg.log" || sgw_die "PostgreSQL did not start (log: $dir/pg.log)"
        SEED_STARTED=1
    fi
    SEED_URL="postgresql://127.0.0.1:$port/seed?user=$SGW_PG_ROLE"
    SEED_DIR=$dir
}

# psql on the seeded database: unaligned, tuples only.
seeddb_psql() {
    sgw_as_pg "$SGW_PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$SEED_DIR" -p "$SEED_PORT" \
        -U "$SGW_PG_ROLE" -d seed "$@"
}

# The shell command that stops the cluster of $1 (printed for the user).
seeddb_stop_cmd() { sgw_pg_stop_cmd "$1/data"; }

# A free TCP port on 127.0.0.1.
seeddb_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Sets KEY=VALUE in seed directory $1's seed.env (replacing an earlier value).
seeddb_env_set() {
    local f=$1/seed.env
    touch "$f"
    sed -i "/^$2=/d" "$f"
    printf '%s=%s\n' "$2" "$3" >>"$f"
}

# Reads KEY from seed directory $1's seed.env (empty when absent).
seeddb_env_get() { sed -n "s/^$2=//p" "$1/seed.env" 2>/dev/null | tail -n 1; }
