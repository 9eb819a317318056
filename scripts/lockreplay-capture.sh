#!/usr/bin/env bash
# Capture a lock trace for lockreplay on a lockdep kernel (run as root on the target machine).
#
#   lockreplay-capture.sh [--dry-run] [--buffer-kb N] [--out DIR] MODE -- COMMAND [ARGS...]
#
# MODE:
#   pipe       stream /sys/kernel/tracing/trace_pipe to DIR/trace.txt.zst while COMMAND runs
#              (the ring buffer is drained continuously: the best defence against overruns)
#   ftrace     run COMMAND, then save the whole `trace` file (fine for short runs; a full ring
#              buffer overwrites its oldest pages, which lockreplay reports as "buffer started")
#   trace-cmd  trace-cmd record into DIR/trace.dat (per-CPU files, drained by trace-cmd)
#   perf       perf record into DIR/perf.data, then perf script --show-lost-events into DIR/perf-script.txt
#
# It checks the kernel config first (CONFIG_PROVE_LOCKING, CONFIG_LOCK_STAT, tracepoints), enables
# only the lock:* and workqueue:* events, turns on the flags column (irq-info) that lockreplay needs
# to tell hardirq/softirq contexts apart, records the kernel's own verdicts (dmesg, /proc/lockdep),
# and restores the tracing state it changed. --dry-run prints the commands instead of running them.
set -euo pipefail

dry=0 buffer_kb=65536 out=./lockreplay-capture
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=1; shift ;;
    --buffer-kb) buffer_kb=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
mode=${1:-}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
case "$mode" in pipe|ftrace|trace-cmd|perf) ;; *) echo "usage: $0 [--dry-run] [--buffer-kb N] [--out DIR] pipe|ftrace|trace-cmd|perf -- COMMAND" >&2; exit 2 ;; esac
[ $# -gt 0 ] || { echo "$0: no COMMAND to trace (give it after --)" >&2; exit 2; }

run() { if [ $dry = 1 ]; then echo "+ $*"; else "$@"; fi; }
say() { echo "lockreplay-capture: $*" >&2; }

# --- the kernel must have lockdep and its tracepoints ------------------------------------------
config() {
  if [ -r /proc/config.gz ]; then zcat /proc/config.gz
  elif [ -r "/boot/config-$(uname -r)" ]; then cat "/boot/config-$(uname -r)"
  fi
}
cfg=$(config || true)
need() {
  if [ -z "$cfg" ]; then say "kernel config not readable; assuming $1=y"; return 0; fi
  if ! grep -q "^$1=y" <<<"$cfg"; then say "$1 is not set: $2"; [ "${3:-}" = optional ] || [ $dry = 1 ] || exit 2; fi
}
need CONFIG_PROVE_LOCKING "lock:lock_acquire/lock_release tracepoints and lockdep's verdicts need it (it selects LOCKDEP, DEBUG_LOCK_ALLOC)"
need CONFIG_LOCK_STAT "no lock_contended/lock_acquired events (optional: contention only)" optional
need CONFIG_FTRACE "no tracefs" optional
T=/sys/kernel/tracing
[ -d $T/events ] || T=/sys/kernel/debug/tracing
[ $dry = 1 ] || [ -d $T/events/lock ] || { say "no $T/events/lock: mount tracefs (mount -t tracefs nodev /sys/kernel/tracing) on a PROVE_LOCKING kernel"; exit 2; }

run mkdir -p "$out"
[ $dry = 1 ] || uname -r > "$out/uname.txt"

# --- ftrace state we set and restore ------------------------------------------------------------
setup_ftrace() {
  run sh -c "echo 0 > $T/tracing_on"
  run sh -c "echo > $T/trace"                      # start from an empty buffer
  run sh -c "echo $buffer_kb > $T/buffer_size_kb"  # per CPU; lock events arrive at millions/s per CPU
  run sh -c "echo 1 > $T/options/irq-info"         # the flags column: hardirq/softirq/irqs-off
  run sh -c "echo 1 > $T/options/record-tgid || true"
  run sh -c "echo 1 > $T/events/lock/enable"
  run sh -c "echo 1 > $T/events/workqueue/enable"
}
restore_ftrace() {
  run sh -c "echo 0 > $T/tracing_on"
  run sh -c "echo 0 > $T/events/lock/enable"
  run sh -c "echo 0 > $T/events/workqueue/enable"
}

case "$mode" in
  pipe)
    setup_ftrace
    if [ $dry = 1 ]; then echo "+ cat $T/trace_pipe | zstd -q -T0 > $out/trace.txt.zst &"; reader=
    else (cat $T/trace_pipe | zstd -q -T0 > "$out/trace.txt.zst") & reader=$!; fi
    run sh -c "echo 1 > $T/tracing_on"
    run "$@" || say "COMMAND exited with $?"
    restore_ftrace
    [ -z "$reader" ] || { sleep 1; kill "$reader" 2>/dev/null || true; wait "$reader" 2>/dev/null || true; }
    ;;
  ftrace)
    setup_ftrace
    run sh -c "echo 1 > $T/tracing_on"
    run "$@" || say "COMMAND exited with $?"
    run sh -c "echo 0 > $T/tracing_on"
    run sh -c "zstd -q < $T/trace > $out/trace.txt.zst"
    restore_ftrace
    ;;
  trace-cmd)
    # -b: per-CPU buffer in KB; trace-cmd drains each CPU into its own file while recording.
    run trace-cmd record -b "$buffer_kb" -e lock -e workqueue -o "$out/trace.dat" "$@"
    ;;
  perf)
    # --mmap-pages: a larger perf buffer; lost chunks still happen under bursts (a lockdep splat
    # printed on a serial console is one): --show-lost-events makes them visible to lockreplay.
    run perf record -e 'lock:*' -e 'workqueue:*' -a --mmap-pages 4096 -o "$out/perf.data" -- "$@"
    run sh -c "perf script -i $out/perf.data --show-lost-events > $out/perf-script.txt"
    ;;
esac

# --- the kernel's own verdicts, for lockreplay compare-lockdep and for checking -----------------
run sh -c "dmesg > $out/dmesg.txt"
[ ! -r /proc/lockdep ] || run sh -c "cat /proc/lockdep > $out/lockdep.txt"
[ ! -r /proc/lockdep_chains ] || run sh -c "cat /proc/lockdep_chains > $out/lockdep_chains.txt"
[ ! -r /proc/lockdep_stats ] || run sh -c "cat /proc/lockdep_stats > $out/lockdep_stats.txt"
say "done: $out (replay with: lockreplay replay $out/<trace>)"
