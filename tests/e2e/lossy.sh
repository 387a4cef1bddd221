#!/usr/bin/env bash
# lossy.sh - a lossy network, without root: four terminals answer and
# sync, round after round, through two fault injectors (tests/tools/lossy.c):
#   t1 t2 t3 --ipc--> lossy relay  --ipc--> polsd
#   t4       --ipc--> lossy cutter --ipc--> polsd
# The NNG relay drops requests and replies, delays, duplicates (also on
# two server workers at once), truncates, flips bits, reorders (a held
# older request reaches the server after a newer one) and closes
# connections while a request is in flight. The byte-level cutter passes
# the stream on in chunks of random size, cuts connections in the middle
# of NNG frames and handshakes, and hangs up on polsd right after
# connecting: what stops NNG 1.5.2's listener for good (nanomsg/nng#1518)
# unless polsd keeps it from doing so (server/epipe.h, listenwd.h). Every
# sync is retried until it exits 0. Then, four times, ten connections
# hang up on polsd during their handshake and a terminal syncs straight to
# polsd, which must answer within the terminal's normal time; a last clean
# sync settles the rest, and every count of every team on the server
# equals the answers given, exactly.
# Prints the number of faults of each kind that were injected.
# LOSSY_SEED and LOSSY_ROUNDS change the run (defaults 7 and 20).
. "$(dirname "$0")/lib.sh"
: "${TB:?set POLS_TESTBIN}"
SEED=${LOSSY_SEED:-7}
ROUNDS=${LOSSY_ROUNDS:-20}
RANDOM=$SEED

make_server
URL="ipc://$T/s.sock"
start_polsd "$URL"
RELAY="ipc://$T/relay.sock"
"$TB/lossy" relay "$RELAY" "$URL" "$T/relay.stats" seed="$SEED" \
	drop_req=6 drop_rep=6 delay=8 dup=8 trunc=5 flip=4 reorder=6 cut=4 \
	delay_max_ms=500 2>"$T/lossy-relay.log" & RELAY_PID=$!
CUTTER="ipc://$T/cutter.sock"
"$TB/lossy" cutter "$T/cutter.sock" "$T/s.sock" "$T/cutter.stats" seed="$SEED" \
	cut=3 hangup=8 2>"$T/lossy-cutter.log" & CUT_PID=$!
PIDS+=("$RELAY_PID" "$CUT_PID")
for _ in $(seq 100); do
	grep -q "relay ready" "$T/lossy-relay.log" && grep -q "cutter ready" "$T/lossy-cutter.log" && break
	kill -0 "$RELAY_PID" 2>/dev/null && kill -0 "$CUT_PID" 2>/dev/null || break
	sleep 0.05
done
grep -q "relay ready" "$T/lossy-relay.log" || fail "relay did not start: $(cat "$T/lossy-relay.log")"
grep -q "cutter ready" "$T/lossy-cutter.log" || fail "cutter did not start: $(cat "$T/lossy-cutter.log")"

TERMS=(t1 t2 t3 t4)
declare -A TEAM=([t1]=bt-hengelo [t2]=bt-enschede [t3]=bt-almelo [t4]=bt-hengelo)
declare -A VIA=([t1]=$RELAY [t2]=$RELAY [t3]=$RELAY [t4]=$CUTTER)
items=(veiligheid sfeer werkdruk samenwerking jezelf-zijn)
declare -A want n
for t in "${TERMS[@]}"; do
	enroll "$t" "${TEAM[$t]}" "${VIA[$t]}"
	printf 'sync_timeout = 2\nrequest_timeout_ms = 250\n' >"$T/$t/kiosk.conf"
	n[${TEAM[$t]}]=0
done

# sync_until_done TERMINAL: retried until it exits 0 (bounded).
sync_until_done() {
	local t=$1 i rc
	for i in $(seq 40); do
		rc=0
		"$B/pols-kiosk" --data "$T/$t" sync 2>>"$T/$t.sync.log" || rc=$?
		echo "$rc" >>"$T/$t.rcs"
		[ "$rc" -eq 0 ] && return 0
		[ "$rc" -eq 1 ] || { echo "$t: sync exit $rc" >&2; return 1; }
	done
	echo "$t: no complete sync in 40 tries" >&2
	return 1
}

for round in $(seq "$ROUNDS"); do
	for t in "${TERMS[@]}"; do
		team=${TEAM[$t]}
		cnt=$((5 + RANDOM % 3)) # >= 5: the cell travels; drawn here, as
		for _ in $(seq "$cnt"); do # $(...) would reseed RANDOM (LOSSY_SEED)
			v=()
			for j in 0 1 2 3 4; do
				x=$((RANDOM % 11))
				v+=("$x")
				want[$team/${items[$j]}/$x]=$((${want[$team/${items[$j]}/$x]:-0} + 1))
			done
			answer "$t" "$team" "${v[@]}" || fail "answer refused on $t"
			n[$team]=$((n[$team] + 1))
		done
	done
	pids=()
	for t in "${TERMS[@]}"; do sync_until_done "$t" & pids+=($!); done
	for p in "${pids[@]}"; do
		wait "$p" || fail "round $round: $(tail -n 3 "$T"/t*.sync.log; cat "$T"/lossy-*.log)"
	done
done
tries=$(cat "$T"/t*.rcs | wc -l)
failed=$(grep -vc '^0$' "$T"/t*.rcs | awk -F: '{s += $2} END {print s}')
echo "  ok: $ROUNDS rounds of answers and syncs through the faults ($tries sync runs, $failed gave up and were retried)"

for pid in "$RELAY_PID" "$CUT_PID"; do
	kill "$pid"
	rc=0; wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || fail "a fault injector exited $rc: $(cat "$T"/lossy-*.log)"
done

# Straight to polsd. Before each terminal's clean sync, ten connections
# hang up on polsd during their handshake (over ipc://, each of them stops
# a bare NNG 1.5.2 listener most times); the sync must still get through
# within the terminal's normal sync_timeout.
for t in "${TERMS[@]}"; do
	sqlite3 "$T/$t/db/kiosk.db" "UPDATE meta SET value = CAST('$URL' AS BLOB) WHERE key = 'server'"
	printf 'sync_timeout = 10\nrequest_timeout_ms = 250\n' >"$T/$t/kiosk.conf"
done
for t in "${TERMS[@]}"; do
	"$TB/lossy" hangup "$T/s.sock" 10 || fail "could not hang up on polsd"
	check "$t: after ten hang-ups in the handshake, a clean sync settles the rest" \
		"$B/pols-kiosk" --data "$T/$t" sync
	eq "$t: nothing left to send" \
		"$("$B/pols-kiosk" --data "$T/$t" status | sed -n 's/.*batches to send: //p')" 0
done

lost=0 doubled=0
for team in $(printf '%s\n' "${TEAM[@]}" | sort -u); do
	got=$(report_json "$team")
	gn=$(jq .n <<<"$got")
	[ "$gn" -lt "${n[$team]}" ] && lost=$((lost + n[$team] - gn))
	[ "$gn" -gt "${n[$team]}" ] && doubled=$((doubled + gn - n[$team]))
	have=$(jq -r '.items[] | .id as $i | .counts | to_entries[] | select(.value > 0) | "\($i)/\(.key) \(.value)"' <<<"$got" | sort)
	expect=$(for item in "${items[@]}"; do for x in $(seq 0 10); do
		c=${want[$team/$item/$x]:-0}
		if [ "$c" -gt 0 ]; then echo "$item/$x $c"; fi
	done; done | sort)
	[ "$have" = "$expect" ] || fail "$team: counts differ from the answers given:
$(diff <(echo "$expect") <(echo "$have"))"
	eq "$team: $gn responses on the server, every count equal to the answers" "$gn" "${n[$team]}"
done
eq "applied batches equal the batches the terminals cut" \
	"$(sqlite3 "$T/srv/server.db" "SELECT COUNT(*) FROM applied")" \
	"$(for t in "${TERMS[@]}"; do sqlite3 "$T/$t/db/kiosk.db" "SELECT COUNT(*) FROM batches"; done | awk '{s += $1} END {print s}')"

# The table for the notes: what was injected, what was lost or doubled.
st() { awk -v k="$2" '$1 == k {print $2}' "$T/$1.stats"; }
echo "  fault injected (seed $SEED, $ROUNDS rounds, $(st relay requests) requests through the relay):"
printf '    %-44s %6s\n' \
	"request dropped" "$(st relay drop_req)" \
	"reply dropped" "$(st relay drop_rep)" \
	"request delayed 0-500 ms (total $(st relay delay_ms_total) ms)" "$(st relay delay)" \
	"request sent twice at once" "$(st relay dup_parallel)" \
	"request sent twice in a row" "$(st relay dup_serial)" \
	"request truncated" "$(st relay trunc_req)" \
	"reply truncated" "$(st relay trunc_rep)" \
	"request bit flipped" "$(st relay flip_req)" \
	"reply bit flipped" "$(st relay flip_rep)" \
	"request held, reached server after a newer" "$(st relay reordered)" \
	"request held 3 s, no newer one came" "$(st relay reorder_timeout)" \
	"connection closed before forwarding" "$(st relay cut_before_forward)" \
	"connections closed after the server answered" "$(st relay cut_after_forward)"
printf '    %-44s %6s\n' \
	"connection cut mid-frame toward the server" "$(st cutter cut_toward_server)" \
	"connection cut mid-frame toward the terminal" "$(st cutter cut_toward_terminal)" \
	"hang-up on polsd before its handshake" "$(( $(st cutter hangup) + 10 * ${#TERMS[@]} ))" \
	"polsd's listener stopped and opened anew" "$(grep -c S207 "$T/polsd.log" || true)"
echo "    lost $lost, doubled $doubled"
[ "$(st relay reordered)" -gt 0 ] || fail "no request was reordered"
[ $(($(st relay dup_parallel) + $(st relay dup_serial))) -gt 0 ] || fail "no request was duplicated"
[ $(($(st relay cut_before_forward) + $(st relay cut_after_forward))) -gt 0 ] || fail "no connection was closed"
[ "$(st cutter cut_mid_stream)" -gt 0 ] || fail "no connection was cut mid-frame"
[ "$(st cutter hangup)" -gt 0 ] || fail "the cutter never hung up on polsd"
stop_polsd
