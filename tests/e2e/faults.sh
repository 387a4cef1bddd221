#!/usr/bin/env bash
# faults.sh - weeks offline and a crashing server:
#  - a terminal with a 10,000-batch backlog (20 teams x 500 fortnights)
#    syncs it in chunks, is killed (SIGKILL) in the middle, resumes, and
#    the server's totals equal what was answered, exactly;
#  - polsd is killed (SIGKILL) at random moments during 20 rounds of
#    three terminals syncing at once; after restarts the totals equal the
#    ground truth exactly: nothing lost, nothing counted twice.
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
URL="ipc://$T/s.sock"
enroll big "$TEAMS" "$URL"

"$TB/backlog" "$T/big" 10000 "$TEAMS" >"$T/want.txt"
printf 'sync_timeout = 600\n' >"$T/big/kiosk.conf"
start_polsd "$URL"
# Interrupt the first sync hard, part way.
"$B/pols-kiosk" --data "$T/big" sync 2>/dev/null & SP=$!
for _ in $(seq 200); do
	applied=$(sqlite3 "$S/server.db" "SELECT COUNT(*) FROM applied" 2>/dev/null || echo 0)
	[ "${applied:-0}" -gt 500 ] && break
	sleep 0.05
done
kill -9 "$SP" 2>/dev/null || true
wait "$SP" 2>/dev/null || true
applied=$(sqlite3 "$S/server.db" "SELECT COUNT(*) FROM applied")
[ "$applied" -gt 0 ] && [ "$applied" -lt 10000 ] || fail "the kill did not land mid-sync ($applied applied)"
echo "  ok: sync killed after $applied of 10000 batches"
check "the sync resumes and finishes" "$B/pols-kiosk" --data "$T/big" sync
eq "nothing left on the terminal" "$("$B/pols-kiosk" --data "$T/big" status | sed -n 's/.*batches to send: //p')" 0
eq "10,000 batches applied, each once" "$(sqlite3 "$S/server.db" "SELECT COUNT(*) FROM applied")" 10000
while read -r team n; do
	got=$(sqlite3 "$S/server.db" "SELECT SUM(n) FROM cells WHERE unit='$team' AND form='team-thermometer'")
	[ "$got" = "$n" ] || fail "$team: server has $got responses, $n were answered"
done <"$T/want.txt"
eq "cells of bt-01" "$(sqlite3 "$S/server.db" "SELECT COUNT(*) FROM cells WHERE unit='bt-01'")" 500
eq "the district holds all 10,000" "$(sqlite3 "$S/server.db" "SELECT SUM(n) FROM cells WHERE unit='twente'")" 10000
echo "  ok: every team's total equals what was answered"
stop_polsd

# polsd killed at random moments while three terminals sync.
for t in t1 t2 t3; do
	enroll "$t" "bt-0${t#t}" "$URL"
	printf 'sync_timeout = 3\nrequest_timeout_ms = 300\n' >"$T/$t/kiosk.conf"
done
declare -A want=([t1]=0 [t2]=0 [t3]=0)
RANDOM=7
for round in $(seq 20); do
	for t in t1 t2 t3; do
		for _ in 1 2 3 4 5; do answer "$t" "bt-0${t#t}" $((RANDOM % 11)) 1 2 3 4; done
		want[$t]=$((want[$t] + 5))
	done
	start_polsd "$URL"
	pids=()
	for t in t1 t2 t3; do "$B/pols-kiosk" --data "$T/$t" sync 2>/dev/null & pids+=($!); done
	sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
	kill -9 "$POLSD_PID" 2>/dev/null || true
	wait "$POLSD_PID" 2>/dev/null || true
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
done
echo "  ok: 20 rounds with polsd killed (SIGKILL) mid-sync"
start_polsd "$URL"
for t in t1 t2 t3; do
	printf 'sync_timeout = 30\n' >"$T/$t/kiosk.conf"
	check "$t syncs what it kept" "$B/pols-kiosk" --data "$T/$t" sync
done
for t in t1 t2 t3; do
	got=$(sqlite3 "$S/server.db" "SELECT SUM(n) FROM cells WHERE unit='bt-0${t#t}' AND form='team-thermometer' AND period='2027-F05'")
	eq "$t: every response counted exactly once" "$got" "${want[$t]}"
done
stop_polsd
