# Process figures and CPU pinning from /proc for the bench scripts (bench/bigzone.sh,
# bench/perf.sh). Sourced; defines functions only. A server may fork (NSD does), so figures
# are summed over its tree.

# tree_pids PID: PID and all its descendants.
tree_pids() {
  local p c
  for p in "$@"; do
    echo "$p"
    for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do tree_pids "$c"; done
  done
}

# tree_kb FIELD PID: FIELD (VmRSS, VmHWM from status; Pss from smaps_rollup) summed over the
# process tree, in kB.
tree_kb() {
  local field=$1 pid=$2 sum=0 p v file
  for p in $(tree_pids "$pid"); do
    file=/proc/$p/status
    [[ $field == Pss ]] && file=/proc/$p/smaps_rollup
    v=$(awk -v f="$field:" '$1 == f { print $2; exit }' "$file" 2>/dev/null)
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}

# tree_cpu PID: "USER_MS SYS_MS MINFLT" of the process tree since each process was forked.
# Each process adds what its exited children left it once waited for (cutime, cstime,
# cminflt), so children that came and went are not lost, unless they were re-parented away
# first. /proc/PID/stat fields after the ")" that ends the command name (which may hold
# spaces): 10 minflt, 11 cminflt, 14 utime, 15 stime, 16 cutime, 17 cstime; times in ticks.
tree_cpu() {
  local p
  for p in $(tree_pids "$1"); do sed 's/.*) //' "/proc/$p/stat" 2>/dev/null; done |
    awk -v hz="$(getconf CLK_TCK)" '{ f += $8 + $9; u += $12 + $14; s += $13 + $15 }
      END { printf "%d %d %d\n", u * 1000 / hz, s * 1000 / hz, f }'
}

# pin_threads CPU PID...: every thread of these processes allowed on CPU only, whatever
# affinity a server gave its own threads (Knot pins each UDP worker to a CPU of its choice,
# which put its worker on the client's CPU). Prints "moved N" for the threads that were
# elsewhere, then fails if any thread is still allowed beyond CPU.
pin_threads() {
  local cpu=$1 p t moved=0 bad=0
  shift
  for p in "$@"; do
    for t in /proc/"$p"/task/*; do
      t=${t##*/}
      [[ $(taskset -pc "$t" 2>/dev/null | sed 's/.*: //') == "$cpu" ]] && continue
      taskset -pc "$cpu" "$t" >/dev/null 2>&1 && moved=$((moved + 1))
      [[ $(taskset -pc "$t" 2>/dev/null | sed 's/.*: //') == "$cpu" ]] || bad=$((bad + 1))
    done
  done
  echo "moved $moved"
  ((bad == 0))
}
