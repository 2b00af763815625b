# shellcheck shell=bash
# The Debian 12 packages spamgw needs, in one place, and the one function that installs the
# missing ones. Sourced by deploy/up and tests/run (after common.sh); never executed.

# Build, run and deploy: everything deploy/up needs on a fresh Debian 12 machine.
# shellcheck disable=SC2034 # used by the scripts that source this file
SGW_PACKAGES=(
    build-essential cmake pkg-config
    libmicrohttpd-dev libjansson-dev libpq-dev
    check libsubunit-dev
    libphonenumber-dev libutf8proc-dev libicu-dev libpsl-dev libidn2-dev libssl-dev
    postgresql-15 postgresql-contrib
    curl ca-certificates
)

# Extra packages tests/run needs (free-port lookup, test helpers, the STIX schema validator,
# Kannel, and nginx + openssl for the check of deploy/nginx-spamgw.conf).
# shellcheck disable=SC2034
SGW_TEST_PACKAGES=(python3 python3-jsonschema kannel kannel-extras nginx-light openssl)

# Extra packages only the benchmarks need (tests/bench); tests/run does not install them.
# shellcheck disable=SC2034
SGW_BENCH_PACKAGES=(wrk nginx-light time bc)

# Prints, one per line, the packages of "$@" that are not installed.
sgw_missing_packages() {
    local p status
    for p in "$@"; do
        # shellcheck disable=SC2016 # ${Status} is dpkg-query's field, not a shell variable
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [[ $status == 'install ok installed' ]] || printf '%s\n' "$p"
    done
}

# Installs whichever of "$@" are missing, with one `apt-get update` and one `apt-get install`,
# and nothing at all when everything is already there (CI without network stays offline).
sgw_ensure_packages() {
    local missing=()
    if command -v dpkg-query >/dev/null 2>&1; then
        mapfile -t missing < <(sgw_missing_packages "$@")
    else
        missing=("$@")
    fi
    ((${#missing[@]} > 0)) || return 0
    command -v apt-get >/dev/null 2>&1 ||
        sgw_die "missing packages (${missing[*]}) and no apt-get: this needs Debian 12"
    sgw_warn "installing missing packages: ${missing[*]}"
    # No package may start its service (nginx on port 80, PostgreSQL's default cluster on 5432,
    # Kannel): spamgw's scripts start their own private instances. policy-rc.d is Debian's
    # switch for that; it is removed again unless it was there before.
    local guard=/usr/sbin/policy-rc.d made=0 rc=0
    if [[ ! -e $guard ]] &&
        sgw_privileged sh -c "printf '#!/bin/sh\n# spamgw: no service starts during this install\nexit 101\n' >$guard && chmod 0755 $guard"; then
        made=1
    fi
    sgw_privileged env DEBIAN_FRONTEND=noninteractive apt-get update -q || rc=1
    if ((rc == 0)); then
        sgw_privileged env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" || rc=2
    fi
    if ((made)); then sgw_privileged rm -f "$guard"; fi
    ((rc != 1)) || sgw_die "apt-get update failed"
    ((rc != 2)) || sgw_die "apt-get install failed for: ${missing[*]}"
}
