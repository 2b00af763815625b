# shellcheck shell=bash
# tests/bench/lib/cpu.sh: where the CPU went during a benchmark phase, from /proc (sourced).
#
#   s0=$(cpu_snapshot SERVE_PID [PGDATA]); ...phase...; s1=$(cpu_snapshot SERVE_PID [PGDATA])
#   cpu_report "$s0" "$s1"   # spamgw 0.62, postgres 0.91, rest 0.35, idle 0.12 (cores)
#
# A snapshot is "jiffies_busy jiffies_idle spamgw postgres" in clock ticks: the machine's busy
# and idle time (/proc/stat), spamgw's user + system time and the whole PostgreSQL cluster's
# (the postmaster's own and its reaped children's, plus every live child's, so backends that
# exited during the phase still count). "rest" is everything else that ran: the load
# generators, the benchmark's shell, other users of the machine.

# Ticks of user + system time of one process (0 when it is gone); with children=1 also the
# time of its children it has reaped.
cpu_ticks() {
    local pid=$1 children=${2:-0} f
    f=$(cat "/proc/$pid/stat" 2>/dev/null) || { echo 0; return; }
    f=${f##*) } # fields after "(comm)"; comm may hold spaces
    # shellcheck disable=SC2086 # split into fields on purpose
    set -- $f
    # now $1 is field 3 (state): utime is field 14 -> $12, stime $13, cutime $14, cstime $15
    if ((children)); then echo $((${12} + ${13} + ${14} + ${15})); else echo $((${12} + ${13})); fi
}

cpu_snapshot() {
    local serve=$1 pgdata=${2:-} busy idle pg=0 pm c
    read -r busy idle < <(awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6; exit }' \
        /proc/stat)
    if [[ -n $pgdata && -r $pgdata/postmaster.pid ]]; then
        pm=$(head -n 1 "$pgdata/postmaster.pid")
        pg=$(cpu_ticks "$pm" 1)
        for c in $(pgrep -P "$pm"); do pg=$((pg + $(cpu_ticks "$c"))); done
    fi
    echo "$busy $idle $(cpu_ticks "$serve") $pg"
}

# Cores used on average between two snapshots, by spamgw, PostgreSQL and the rest; idle cores.
cpu_report() {
    local b0 i0 s0 p0 b1 i1 s1 p1
    read -r b0 i0 s0 p0 <<<"$1"
    read -r b1 i1 s1 p1 <<<"$2"
    awk -v b=$((b1 - b0)) -v i=$((i1 - i0)) -v s=$((s1 - s0)) -v p=$((p1 - p0)) \
        -v n="$(nproc)" 'BEGIN {
        t = (b + i) / n; if (t <= 0) { print "no time passed"; exit }
        rest = b - s - p; if (rest < 0) rest = 0
        printf "spamgw %.2f, postgres %.2f, rest (load generators, other) %.2f, idle %.2f cores\n",
            s / t, p / t, rest / t, i / t }'
}
