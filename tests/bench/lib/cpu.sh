# shellcheck shell=bash
# tests/bench/lib/cpu.sh: CPU accounting from /proc for the benchmarks (sourced).
#
# Primitives (tests/bench/ingest builds its per-pass report on them):
#   tree_ticks PID    user + system ticks of PID and its direct children, plus the children it
#                     has reaped (so a PostgreSQL postmaster's tree counts backends that exited)
#   machine_ticks     "busy total" ticks of the whole machine (/proc/stat)
#   CLK_TCK           ticks per second
# A phase report (tests/bench/api):
#   s0=$(cpu_snapshot SERVE_PID [POSTMASTER_PID]); ...phase...; s1=$(cpu_snapshot ...)
#   cpu_report "$s0" "$s1"   # spamgw 0.62, postgres 0.91, rest 0.35, idle 0.12 (cores)
# "rest" is everything else that ran: the load generators, the benchmark's shell, other users
# of the machine.

# shellcheck disable=SC2034 # read by the scripts that source this file
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || printf '100')
# utime+stime(+cutime+cstime) of the process whose /proc/PID/stat text is $1.
stat_ticks() {
    local rest fld
    rest=${1##*) }
    read -r -a fld <<<"$rest"
    if [[ ${2:-0} == 1 ]]; then
        printf '%s\n' $((fld[11] + fld[12] + fld[13] + fld[14]))
    else
        printf '%s\n' $((fld[11] + fld[12]))
    fi
}
# CPU ticks of process $1 and its direct children (and the children it has reaped).
tree_ticks() {
    local root=$1 total=0 p s rest fld
    [[ -n $root && -r /proc/$root/stat ]] || {
        printf '0\n'
        return 0
    }
    { read -r s <"/proc/$root/stat"; } 2>/dev/null || s=''
    [[ -n $s ]] && total=$(stat_ticks "$s" 1)
    for p in /proc/[0-9]*/stat; do
        { read -r s <"$p"; } 2>/dev/null || continue
        rest=${s##*) }
        read -r -a fld <<<"$rest"
        if [[ ${fld[1]} == "$root" ]]; then
            total=$((total + fld[11] + fld[12]))
        fi
    done
    printf '%s\n' "$total"
}
machine_ticks() { # busy total
    local _cpu u n s i w irq sirq st
    read -r _cpu u n s i w irq sirq st _ </proc/stat
    printf '%s %s\n' $((u + n + s + irq + sirq + st)) $((u + n + s + i + w + irq + sirq + st))
}

# "busy total spamgw postgres" ticks now.
cpu_snapshot() {
    local pg=0
    [[ -n ${2:-} ]] && pg=$(tree_ticks "$2")
    echo "$(machine_ticks) $(tree_ticks "$1") $pg"
}

# Cores used on average between two snapshots, by spamgw, PostgreSQL and the rest; idle cores.
cpu_report() {
    local b0 t0 s0 p0 b1 t1 s1 p1
    read -r b0 t0 s0 p0 <<<"$1"
    read -r b1 t1 s1 p1 <<<"$2"
    awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) -v s=$((s1 - s0)) -v p=$((p1 - p0)) \
        -v n="$(nproc)" 'BEGIN {
        w = t / n; if (w <= 0) { print "no time passed"; exit }
        rest = b - s - p; if (rest < 0) rest = 0
        printf "spamgw %.2f, postgres %.2f, rest (load generators, other) %.2f, idle %.2f cores\n",
            s / w, p / w, rest / w, (t - b) / w }'
}
