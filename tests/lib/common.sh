# shellcheck shell=bash
# Shared helpers for deploy/up and tests/run: messages, privilege, quoting.
# Sourced, never executed. It defines functions only and must never change the caller's
# working directory, traps or shell options.

# Messages go to stderr so that stdout stays for results (tests/run's last line, keys).
sgw_warn() { printf '%s: %s\n' "${SGW_PROG:-spamgw}" "$*" >&2; }
sgw_die() {
    printf '%s: error: %s\n' "${SGW_PROG:-spamgw}" "$*" >&2
    exit 1
}

sgw_is_root() { [[ $(id -u) -eq 0 ]]; }

# Runs a command as root: directly when we are root, through sudo otherwise.
sgw_privileged() {
    if sgw_is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        sgw_die "root is needed for: $* (run as root or install sudo)"
    fi
}

# Quotes one word for a POSIX shell (sh -c), whatever it contains.
sgw_shquote() {
    local s=$1 q="'\\''"
    printf "'%s'" "${s//\'/$q}"
}

# Percent-encodes a string for use as a URI query value (a socket directory path).
sgw_urlencode() {
    local LC_ALL=C
    local s=$1 out='' c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
        [A-Za-z0-9/._~-]) out+=$c ;;
        *)
            printf -v c '%%%02X' "'$c"
            out+=$c
            ;;
        esac
    done
    printf '%s' "$out"
}

# Byte length of a string (socket paths are limited in bytes, not characters).
sgw_bytelen() {
    local LC_ALL=C
    printf '%s' "${#1}"
}

# Short stable hash of a string (names per-checkout directories outside the checkout).
sgw_short_hash() { printf '%s' "$1" | sha256sum | cut -c1-12; }

sgw_nproc() { nproc 2>/dev/null || printf '2\n'; }
