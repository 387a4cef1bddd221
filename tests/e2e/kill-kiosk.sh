#!/usr/bin/env bash
# kill-kiosk.sh - pols-kiosk killed with SIGKILL at random points:
#  - `answer`, 60 times, after 0-1 start-up time (start, open, quick_check, fold,
#    commit): every answer that exited 0 is counted, a killed one at most
#    once, never half: after every kill the database passes
#    integrity_check, and at the end every accumulator opens (the cut
#    opens each one) and every item count lies between the answers that
#    exited 0 and those plus the killed ones;
#  - `sync`, 30 times, after 0-8 start-up times, with a backlog of 3,000 batches and
#    fresh answers before each round (cut, send, apply, ack); a last sync
#    without kill settles everything and the server's totals equal what
#    was answered, exactly.
# KILL_SEED changes the delays (default 11).
. "$(dirname "$0")/lib.sh"
: "${TB:?set POLS_TESTBIN}"
RANDOM=${KILL_SEED:-11}
S=$T/srv
make_server
URL="ipc://$T/s.sock"
enroll k bt-hengelo,bt-almelo "$URL"
printf 'sync_timeout = 5\nrequest_timeout_ms = 500\n' >"$T/k/kiosk.conf"
start_polsd "$URL"
items=(veiligheid sfeer werkdruk samenwerking jezelf-zijn)
integrity() {
	local r
	r=$(sqlite3 "$T/k/db/kiosk.db" "PRAGMA integrity_check")
	[ "$r" = ok ] || fail "kiosk.db after $1: $r"
}
# The answer of round i: item j gets (i + j) % 11.
json() {
	printf '{"form":"team-thermometer","team":"bt-hengelo","answers":{"veiligheid":%d,"sfeer":%d,"werkdruk":%d,"samenwerking":%d,"jezelf-zijn":%d}}' \
		$(($1 % 11)) $((($1 + 1) % 11)) $((($1 + 2) % 11)) $((($1 + 3) % 11)) $((($1 + 4) % 11))
}
# How long one start of pols-kiosk takes here (ASan is slower): the kill
# delays are drawn in proportion.
ms() { echo $(($(date +%s%N) / 1000000)); }
t0=$(ms)
for _ in 1 2 3; do "$B/pols-kiosk" --data "$T/k" status >/dev/null; done
unit=$((($(ms) - t0) / 3 + 1))
delay() { # a random delay of 0 .. $1 x the start-up time, as "sleep" wants it
	local d=$((RANDOM * $1 * unit / 32768))
	printf '%d.%03d' $((d / 1000)) $((d % 1000))
}
declare -A lo hi # per item/value: answers that exited 0; and + killed ones
given=0 killed=0
for i in $(seq 60); do
	json "$i" >"$T/in.json"
	{ "$B/pols-kiosk" --data "$T/k" answer <"$T/in.json" 2>>"$T/answer.err" & } 2>/dev/null; p=$!
	sleep "$(delay 1)"
	kill -9 "$p" 2>/dev/null || true
	rc=0
	wait "$p" 2>/dev/null || rc=$?
	case $rc in
	0) given=$((given + 1)) ;;
	137) killed=$((killed + 1)) ;;
	*) fail "answer $i exited $rc: $(tail -n 1 "$T/answer.err")" ;;
	esac
	for j in 0 1 2 3 4; do
		k=${items[$j]}/$(((i + j) % 11))
		[ "$rc" -eq 0 ] && lo[$k]=$((${lo[$k]:-0} + 1))
		hi[$k]=$((${hi[$k]:-0} + 1))
	done
	integrity "answer $i (exit $rc)"
done
echo "  ok: 60 answers, $given finished, $killed killed (SIGKILL) on the way; the database intact after each"
[ "$given" -ge 5 ] || { # k = 5: the cell must be able to travel
	for i in $(seq 61 65); do json "$i" | "$B/pols-kiosk" --data "$T/k" answer || fail "answer $i"
		for j in 0 1 2 3 4; do k=${items[$j]}/$(((i + j) % 11)); lo[$k]=$((${lo[$k]:-0} + 1)); hi[$k]=$((${hi[$k]:-0} + 1)); done
		given=$((given + 1)); done
}
check "every accumulator opens: the sync cuts and sends them" "$B/pols-kiosk" --data "$T/k" sync
got=$(report_json bt-hengelo)
gn=$(jq .n <<<"$got")
[ "$gn" -ge "$given" ] && [ "$gn" -le $((given + killed)) ] ||
	fail "server has $gn responses; $given answers exited 0, $killed were killed"
for item in "${items[@]}"; do
	for x in $(seq 0 10); do
		c=$(jq --arg i "$item" --arg x "$x" '.items[] | select(.id == $i) | .counts[$x]' <<<"$got")
		[ "$c" -ge "${lo[$item/$x]:-0}" ] && [ "$c" -le "${hi[$item/$x]:-0}" ] ||
			fail "$item=$x: $c on the server, between ${lo[$item/$x]:-0} and ${hi[$item/$x]:-0} expected"
	done
done
echo "  ok: the server has $gn: the $given that exited 0 and $((gn - given)) of the $killed killed, each whole (every count in bounds)"

# Sync killed at random points. A backlog of closed cells, plus five
# fresh answers for bt-almelo before each round (cut during the sync).
"$TB/backlog" "$T/k" 3000 bt-hengelo,bt-almelo >"$T/want.txt"
base=$gn
fresh=0
applied() { sqlite3 "$S/server.db" "SELECT COUNT(*) FROM applied"; }
a0=$(applied)
mid=0 kills=0
for i in $(seq 30); do
	for _ in 1 2 3 4 5; do
		printf '{"form":"team-thermometer","team":"bt-almelo","answers":{"veiligheid":3,"sfeer":3,"werkdruk":3,"samenwerking":3,"jezelf-zijn":3}}' |
			"$B/pols-kiosk" --data "$T/k" answer || fail "answer before sync round $i"
	done
	fresh=$((fresh + 5))
	"$B/pols-kiosk" --data "$T/k" sync 2>>"$T/sync.err" & p=$!
	before=$(applied)
	sleep "$(delay 8)"
	kill -9 "$p" 2>/dev/null || true
	rc=0
	wait "$p" 2>/dev/null || rc=$?
	integrity "sync $i"
	left=$(sqlite3 "$T/k/db/kiosk.db" "SELECT COUNT(*) FROM batches WHERE acked IS NULL")
	if [ "$rc" -eq 137 ] && [ "$left" -gt 0 ] && [ "$(applied)" -gt "$before" ]; then
		mid=$((mid + 1))
	fi
	[ "$rc" -eq 137 ] && kills=$((kills + 1))
done
a1=$(applied)
total=$(sqlite3 "$T/k/db/kiosk.db" "SELECT COUNT(*) FROM batches")
[ "$mid" -gt 0 ] || fail "no kill landed mid-sync ($a0 -> $a1 of $total applied)"
echo "  ok: 30 syncs, $kills killed (SIGKILL), $mid of them after some batches were applied and before all; $((a1 - a0)) batches applied on the way, $((total - a1)) left"
# The settling sync has no reason to hurry: on a loaded machine (or under
# ASan) thousands of batches take longer than the kill rounds' 5 s.
printf 'sync_timeout = 300\nrequest_timeout_ms = 10000\n' >"$T/k/kiosk.conf"
check "a sync without kill settles the rest" "$B/pols-kiosk" --data "$T/k" sync
eq "nothing left on the terminal" "$("$B/pols-kiosk" --data "$T/k" status | sed -n 's/.*batches to send: //p')" 0
# Counted only now: that sync cuts too. A last round killed before its
# cut left five answers that became a batch only in it. Sequence numbers
# are never reused, so next_seq - 1 is every batch the terminal ever cut;
# all of them are still kept (acknowledged today, within retention_days).
cut=$(sqlite3 "$T/k/db/kiosk.db" "SELECT CAST(CAST(value AS TEXT) AS INTEGER) - 1 FROM meta WHERE key = 'next_seq'")
eq "the terminal keeps every batch it cut" "$(sqlite3 "$T/k/db/kiosk.db" "SELECT COUNT(*) FROM batches")" "$cut"
eq "every batch the terminal cut applied, each once" "$(applied)" "$cut"
while read -r team n; do
	got=$(sqlite3 "$S/server.db" "SELECT SUM(n) FROM cells WHERE unit='$team' AND form='team-thermometer' AND period != '2027-F05'")
	[ "$got" = "$n" ] || fail "$team backlog: server has $got, $n were answered"
done <"$T/want.txt"
eq "bt-hengelo now: the answers of the first part, unchanged" "$(report_json bt-hengelo | jq .n)" "$base"
eq "bt-almelo now: every fresh answer once" "$(report_json bt-almelo | jq .n)" "$fresh"
stop_polsd
