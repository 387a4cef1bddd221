#!/usr/bin/env bash
# kiosk-kill.sh - a running kiosk (pols-kiosk run) killed with SIGKILL in
# the middle of its background sync: after a restart every response is on
# the server exactly once.
. "$(dirname "$0")/lib.sh"
: "${TB:?set POLS_TESTBIN}"
S=$T/srv
make_server
{
	echo "id,parent,name,kind,headcount"
	for i in $(seq -w 1 20); do echo "bt-$i,twente,Basisteam $i,team,30"; done
} >"$T/more.csv"
"$B/polsctl" --data "$S" org import "$T/more.csv" >/dev/null
TEAMS=$(seq -s, -f 'bt-%02g' 1 20)
printf 'kiosk_sync_interval = 30\n' >"$S/polsd.conf"
URL="ipc://$T/s.sock"
enroll k "$TEAMS" "$URL"
printf 'sync_interval = 10\n' >"$T/k/kiosk.conf"
start_polsd "$URL"
check "a first sync brings the server's settings" "$B/pols-kiosk" --data "$T/k" sync
"$TB/backlog" "$T/k" 3000 "$TEAMS" >"$T/want.txt"

tm() { tmux -L "pols-kill-$$" "$@"; }
tm -f /dev/null new-session -d -s kiosk -x 80 -y 24 "'$B/pols-kiosk' --data '$T/k' run"
PIDS+=("$(tm display -p '#{pid}')")
KPID=$(tm display -p '#{pane_pid}')
applied() { sqlite3 "$S/server.db" "SELECT COUNT(*) FROM applied"; }
for _ in $(seq 1200); do # the background sync starts within 30 s +- jitter
	[ "$(applied)" -gt 0 ] && break
	sleep 0.05
done
# Kill the kiosk and its sync child at once.
pkill -9 -P "$KPID" 2>/dev/null || true
kill -9 "$KPID" 2>/dev/null || true
tm kill-server 2>/dev/null || true
got=$(applied)
[ "$got" -gt 0 ] && [ "$got" -lt 3000 ] || fail "the kill did not land mid-sync ($got of 3000 applied)"
echo "  ok: kiosk killed during its background sync ($got of 3000 applied)"
check "the restarted kiosk syncs the rest" "$B/pols-kiosk" --data "$T/k" sync
eq "3,000 batches applied, each once" "$(applied)" 3000
while read -r team n; do
	got=$(sqlite3 "$S/server.db" "SELECT SUM(n) FROM cells WHERE unit='$team' AND form='team-thermometer'")
	[ "$got" = "$n" ] || fail "$team: server has $got, $n were answered"
done <"$T/want.txt"
echo "  ok: every team's total equals what was answered"
stop_polsd
