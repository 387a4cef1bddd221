#!/usr/bin/env bash
# pipeline.sh - two terminals, 240 scripted responses, exact counts
# (PIPELINE_ANSWERS of them: make valgrind-test gives fewer).
# Also: sync with polsd down fails clearly and keeps everything; a second
# sync changes nothing; tcp and ipc transports both work.
. "$(dirname "$0")/lib.sh"

make_server
PORT=$(free_port)
URL="tcp://127.0.0.1:$PORT"
enroll t1 bt-hengelo,bt-enschede "$URL"
enroll t2 bt-enschede,bt-almelo "$URL"

declare -A want n
items=(veiligheid sfeer werkdruk samenwerking jezelf-zijn)
N=${PIPELINE_ANSWERS:-240}
[ "$N" -ge 20 ] || fail "PIPELINE_ANSWERS must be at least 20 (k = 5 in each of four cells)"
for i in $(seq 0 $((N - 1))); do
	if [ $((i % 2)) -eq 0 ]; then term=t1; teams=(bt-hengelo bt-enschede)
	else term=t2; teams=(bt-enschede bt-almelo); fi
	team=${teams[$(((i / 2) % 2))]}
	v=()
	for j in 0 1 2 3 4; do
		x=$(((i * (j + 3) + j * 7 + i / 5) % 11))
		v+=("$x")
		want[$team/${items[$j]}/$x]=$((${want[$team/${items[$j]}/$x]:-0} + 1))
	done
	n[$team]=$((${n[$team]:-0} + 1))
	answer "$term" "$team" "${v[@]}" || fail "answer $i refused"
done
echo "  ok: $N responses stored"

# The server is down: sync must fail clearly, within its bound, and keep all.
cat >"$T/t1/kiosk.conf" <<'CONF'
# short retry window for the test
sync_timeout = 2
request_timeout_ms = 300
CONF
set +e
out=$("$B/pols-kiosk" --data "$T/t1" sync 2>&1); rc=$?
set -e
[ "$rc" -eq 1 ] || fail "sync with polsd down: exit $rc, want 1"
grep -q "niet bereikbaar" <<<"$out" || fail "sync with polsd down said: $out"
grep -q "kept for the next sync" <<<"$out" || fail "no 'kept' in: $out"
echo "  ok: sync with polsd down fails clearly ($out)"
pending=$("$B/pols-kiosk" --data "$T/t1" status | sed -n 's/.*batches to send: //p')
eq "batches kept while the server is down" "$pending" 2
# Back to the normal retry window (a slow polsd, under valgrind, needs it).
rm "$T/t1/kiosk.conf"

# A copy of t1 as it is now: its batches are cut but not acknowledged.
cp -a "$T/t1" "$T/t1-copy"

start_polsd "$URL"
check "t1 syncs once polsd runs" "$B/pols-kiosk" --data "$T/t1" sync
check "t2 syncs" "$B/pols-kiosk" --data "$T/t2" sync
pending=$("$B/pols-kiosk" --data "$T/t1" status | sed -n 's/.*batches to send: //p')
eq "nothing pending on t1 after sync" "$pending" 0

compare() {
	local team=$1 item x got
	eq "respondents of $team" "$(report_json "$team" | jq .n)" "${n[$team]}"
	for item in "${items[@]}"; do
		for x in $(seq 0 10); do
			got=$(report_json "$team" | jq --arg i "$item" --arg x "$x" \
				'.items[] | select(.id == $i) | .counts[$x]')
			[ "$got" = "${want[$team/$item/$x]:-0}" ] ||
				fail "$team $item=$x: report says $got, answers were ${want[$team/$item/$x]:-0}"
		done
		got=$(report_json "$team" | jq --arg i "$item" '.items[] | select(.id == $i) | .counts._na + .counts._ns')
		[ "$got" = 0 ] || fail "$team $item: _na+_ns = $got"
	done
	echo "  ok: every count of $team equals the answers given"
}
for team in bt-hengelo bt-enschede bt-almelo; do compare "$team"; done
eq "the period is the fortnight of POLS_NOW" "$(report_json bt-hengelo | jq -r .period)" 2027-F05

for team in bt-hengelo bt-enschede bt-almelo; do report_json "$team"; done >"$T/before.json"
check "second sync of t1 succeeds" "$B/pols-kiosk" --data "$T/t1" sync
check "second sync of t2 succeeds" "$B/pols-kiosk" --data "$T/t2" sync
for team in bt-hengelo bt-enschede bt-almelo; do report_json "$team"; done >"$T/after.json"
check "a second sync changes nothing" cmp -s "$T/before.json" "$T/after.json"

# The same batches again (a terminal restored from a copy, or an ACK lost
# on the way): acknowledged as duplicates, counted once.
check "resent batches are acknowledged" "$B/pols-kiosk" --data "$T/t1-copy" sync
pending=$("$B/pols-kiosk" --data "$T/t1-copy" status | sed -n 's/.*batches to send: //p')
eq "duplicates settled on the copy" "$pending" 0
for team in bt-hengelo bt-enschede bt-almelo; do report_json "$team"; done >"$T/after2.json"
check "resent batches are not counted twice" cmp -s "$T/before.json" "$T/after2.json"

# Same pipeline over ipc://.
stop_polsd
IPC="ipc://$T/polsd.sock"
enroll t3 bt-almelo "$IPC"
for i in 1 2 3 4 5; do answer t3 bt-almelo 5 5 5 5 5 >/dev/null; done
start_polsd "$IPC"
check "sync over ipc://" "$B/pols-kiosk" --data "$T/t3" sync
eq "ipc batch merged into bt-almelo" "$(report_json bt-almelo | jq .n)" $((${n[bt-almelo]} + 5))

stop_polsd
echo "  ok: polsd stopped cleanly"
