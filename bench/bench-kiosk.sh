#!/usr/bin/env bash
# bench-kiosk.sh - the kiosk's figures against bounds from the same run:
#  submit: p50/p99 time from submit to durable on disk over 1,000
#    submissions; bound: one raw sqlite insert of the same size with the
#    same synchronous setting (bench/kiosk_submit.c);
#  footprint: start-up to the first screen (key-file mode), resident memory
#    while idle, binary size; bound: a do-nothing ncurses program built the
#    same way (bench/nc_idle.c).
# Table on stderr, one JSON line per figure on stdout (docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${POLS_BIN:?}" "${POLS_BENCHBIN:?}"
B=$POLS_BIN BB=$POLS_BENCHBIN
W=$(mktemp -d "${TMPDIR:-/tmp}/pols-bench-kiosk.XXXXXX")
TS="$W/tmux.sock"
cleanup() { tmux -S "$TS" kill-server 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
export POLS_NOW=2027-03-10T09:00:00Z
N=${BENCH_SUBMITS:-1000}
say() { printf '%s\n' "$*" >&2; }
json() { printf '{"name":"%s","value":%s,"unit":"%s","bound":%s,"ratio":%s%s}\n' "$@"; }

"$B/polsctl" --data "$W/s" init >/dev/null
"$B/polsctl" --data "$W/s" org import deploy/demo-org.csv >/dev/null
"$B/polsctl" --data "$W/s" form publish forms/team-thermometer.json >/dev/null
"$B/polsctl" --data "$W/s" terminal add k --teams bt-hengelo --out "$W/b" >/dev/null
"$B/pols-kiosk" --data "$W/k" enroll "$W/b" >/dev/null

read -r p50 p99 b50 b99 blob < <("$BB/kiosk_submit" "$W/k" "$N")
say "$(printf 'submit   %d submissions: p50 %.2f ms  p99 %.2f ms;  raw insert of %d bytes: p50 %.2f ms  p99 %.2f ms;  p99 ratio %.2f (target: p99 <= 2x)' \
	"$N" "$p50" "$p99" "$blob" "$b50" "$b99" "$(echo "$b99 / $p99" | bc -l)")"
json submit_p50 "$p50" ms "$b50" "$(printf %.3f "$(echo "$b50 / $p50" | bc -l)")" ",\"submissions\":$N,\"synchronous\":\"FULL\""
json submit_p99 "$p99" ms "$b99" "$(printf %.3f "$(echo "$b99 / $p99" | bc -l)")" ",\"submissions\":$N,\"blob_bytes\":$blob"

# Start-up to the first screen, and idle memory, in tmux (80x24).
first_screen() { # marker command...
	local marker=$1 t0 t1 pid; shift
	tmux -S "$TS" kill-server 2>/dev/null || true
	t0=$(date +%s%N)
	tmux -S "$TS" -f /dev/null new-session -d -x 80 -y 24 "$@" 2>/dev/null
	for _ in $(seq 4000); do
		tmux -S "$TS" capture-pane -p 2>/dev/null | grep -qF "$marker" && break
	done
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000))
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ks=() ns=()
for _ in $(seq 9); do
	ks+=("$(first_screen "Kies je taal" "$B/pols-kiosk" --data "$W/k" run)")
	ns+=("$(first_screen "ready" "$BB/nc_idle")")
done
k_us=$(printf '%s\n' "${ks[@]}" | median)
n_us=$(printf '%s\n' "${ns[@]}" | median)
# Idle: the kiosk on its start screen for 2 s.
tmux -S "$TS" kill-server 2>/dev/null || true
tmux -S "$TS" -f /dev/null new-session -d -x 80 -y 24 "$B/pols-kiosk --data $W/k run"
tmux -S "$TS" new-window -d "$BB/nc_idle"
sleep 2
kpid=$(pgrep -f "pols-kiosk --data $W/k run" | head -n 1)
npid=$(pgrep -f "$BB/nc_idle" | head -n 1)
k_rss=$(awk '/VmRSS/ {print $2}' "/proc/$kpid/status")
n_rss=$(awk '/VmRSS/ {print $2}' "/proc/$npid/status")
k_size=$(stat -c %s "$B/pols-kiosk")
n_size=$(stat -c %s "$BB/nc_idle")
say "$(printf 'start-up to first screen (key-file mode): %.1f ms (do-nothing ncurses: %.1f ms; median of 9, measured through tmux)' \
	"$(echo "$k_us / 1000" | bc -l)" "$(echo "$n_us / 1000" | bc -l)")"
say "idle resident memory: ${k_rss} kB (do-nothing ncurses: ${n_rss} kB; target < 16 MB)"
say "binary size: pols-kiosk ${k_size} bytes (do-nothing ncurses: ${n_size} bytes; both with -g)"
json kiosk_startup "$(printf %.2f "$(echo "$k_us / 1000" | bc -l)")" ms "$(printf %.2f "$(echo "$n_us / 1000" | bc -l)")" \
	"$(printf %.3f "$(echo "$n_us / $k_us" | bc -l)")" ",\"mode\":\"key file\",\"runs\":9"
json kiosk_idle_rss "$k_rss" kB "$n_rss" "$(printf %.3f "$(echo "$n_rss / $k_rss" | bc -l)")" ",\"target_kB\":16384"
json kiosk_binary_size "$k_size" bytes "$n_size" "$(printf %.3f "$(echo "$n_size / $k_size" | bc -l)")" ",\"debug_info\":true"
