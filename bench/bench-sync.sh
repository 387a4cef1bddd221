#!/usr/bin/env bash
# bench-sync.sh - sync throughput against a bound measured in the same run.
#
#  ingest: 1, 8 and 64 terminals sync their backlogs at once to one polsd
#    over tcp on loopback (durable acks; the same total for 1 is an eighth),
#    for two batch shapes (8 terminals; 1 and 64 with the first): a Team Thermometer cell
#    (5 items, ~60 counters) and a Medewerkersmonitor cell (66 items, 11
#    scales, several hundred counters). Bound: the same sealed batches
#    through only the crypto and the sqlite transactions, with the same
#    commit grouping (64 a transaction), one process, no network.
#  scaling: the 8-terminal Team Thermometer ingest at 1x, 2x and 4x the
#    batches: the time each doubling costs (at most 2.3x).
#  burst: 500 terminals each sending 1-3 batches at the same moment (the
#    start of a shift): time until all are acknowledged, and the slowest
#    terminal's wait. Bound: the same batches through the bound path.
#
# Prints a table on stderr and one JSON line per figure on stdout:
#   {"name","value","unit","bound","ratio", parameters...}
# ratio is value/bound for rates and bound/value for times: 1.0 is the
# bound, higher is better.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${POLS_BIN:?}" "${POLS_TESTBIN:?}" "${POLS_BENCHBIN:?}"
B=$POLS_BIN TB=$POLS_TESTBIN BB=$POLS_BENCHBIN
W=$(mktemp -d "${TMPDIR:-/tmp}/pols-bench.XXXXXX")
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
export POLS_NOW=2027-03-10T09:00:00Z
TERMS=${BENCH_TERMINALS:-8}
PER_TT=${BENCH_TT_BATCHES:-400}   # batches per terminal, Team Thermometer
PER_MEMO=${BENCH_MEMO_BATCHES:-100} # batches per terminal, Medewerkersmonitor
BURST=${BENCH_BURST:-500}
now() { date +%s.%N; }
say() { printf '%s\n' "$*" >&2; }

S=$W/template
"$B/polsctl" --data "$S" init >/dev/null
{
	echo "id,parent,name,kind,headcount"
	echo "nl,,Politie Nederland,korps,"
	echo "oost,nl,Eenheid Oost,eenheid,"
	echo "d1,oost,District 1,district,"
	for i in $(seq 1 $((TERMS * 20))); do echo "tt-$i,d1,Team TT $i,team,30"; done
	# 1 terminal, 64 terminals, and the scaling sets (1x and 2x of 8)
	for i in $(seq 1 20); do echo "one-$i,d1,Team 1T $i,team,30"; done
	for i in $(seq 1 $((64 * 3))); do echo "sf-$i,d1,Team 64T $i,team,30"; done
	for i in $(seq 1 $((TERMS * 20))); do echo "xa-$i,d1,Team XA $i,team,30"; echo "xb-$i,d1,Team XB $i,team,30"; done
	for i in $(seq 1 $((TERMS * PER_MEMO))); do echo "mm-$i,d1,Team MM $i,team,30"; done
	for i in $(seq 1 "$BURST"); do echo "bu-$i,d1,Team B $i,team,30"; done
} >"$W/org.csv"
"$B/polsctl" --data "$S" org import "$W/org.csv" >/dev/null
for f in team-thermometer medewerkersmonitor; do
	"$B/polsctl" --data "$S" form publish "forms/$f.json" >/dev/null
done
"$B/polsctl" --data "$S" wave open --form medewerkersmonitor --scope nl \
	--from 2027-01-04 --to 2027-01-29 >/dev/null

enroll() { # name teams
	"$B/polsctl" --data "$S" terminal add "$1" --teams "$2" --server "$URL" \
		--out "$W/$1.bundle" >/dev/null
	"$B/pols-kiosk" --data "$W/k/$1" enroll "$W/$1.bundle" >/dev/null
	rm -f "$W/$1.bundle"
}
PORT=$((20000 + RANDOM % 30000))
URL="tcp://127.0.0.1:$PORT"
say "setting up $TERMS + $BURST terminals ..."
for t in $(seq 1 "$TERMS"); do
	enroll "tt$t" "$(seq -s, -f "tt-%g" $(((t - 1) * 20 + 1)) $((t * 20)))"
	enroll "mm$t" "$(seq -s, -f "mm-%g" $(((t - 1) * PER_MEMO + 1)) $((t * PER_MEMO)))"
done
for t in $(seq 1 "$BURST"); do enroll "bu$t" "bu-$t"; done
enroll one1 "$(seq -s, -f "one-%g" 1 20)"
for t in $(seq 1 64); do enroll "sf$t" "$(seq -s, -f "sf-%g" $(((t - 1) * 3 + 1)) $((t * 3)))"; done
for t in $(seq 1 "$TERMS"); do
	enroll "xa$t" "$(seq -s, -f "xa-%g" $(((t - 1) * 20 + 1)) $((t * 20)))"
	enroll "xb$t" "$(seq -s, -f "xb-%g" $(((t - 1) * 20 + 1)) $((t * 20)))"
done

start() { # serverdir; retries while the port is still taken
	local try
	for try in $(seq 20); do
		"$B/polsd" --data "$1" --listen "$URL" 2>"$W/polsd.log" &
		PID=$!
		for _ in $(seq 200); do
			grep -q listening "$W/polsd.log" && return
			kill -0 "$PID" 2>/dev/null || break
			sleep 0.05
		done
		wait "$PID" 2>/dev/null || true
		PID=
		sleep 0.5
	done
	cat "$W/polsd.log" >&2
	echo "polsd did not start" >&2; exit 1
}
stop() { kill "$PID"; wait "$PID" || true; PID=; }

# First contact binds every terminal's key (not measured).
start "$S"
ls "$W/k" | xargs -P 32 -I{} "$B/pols-kiosk" --data "$W/k/{}" sync
stop

# Backlogs (cut into sealed batches, not yet sent).
for t in $(seq 1 "$TERMS"); do
	"$TB/backlog" "$W/k/tt$t" "$PER_TT" "$(seq -s, -f "tt-%g" $(((t - 1) * 20 + 1)) $((t * 20)))" >/dev/null &
	"$TB/backlog" "$W/k/mm$t" "$PER_MEMO" "$(seq -s, -f "mm-%g" $(((t - 1) * PER_MEMO + 1)) $((t * PER_MEMO)))" \
		medewerkersmonitor 2027-01-15T12:00:00Z >/dev/null &
done
"$TB/backlog" "$W/k/one1" "$((PER_TT * TERMS / 8))" "$(seq -s, -f "one-%g" 1 20)" >/dev/null &
for t in $(seq 1 64); do # the same total as 8 terminals, spread over 64
	"$TB/backlog" "$W/k/sf$t" "$((PER_TT * TERMS / 64))" "$(seq -s, -f "sf-%g" $(((t - 1) * 3 + 1)) $((t * 3)))" >/dev/null &
	[ $((t % 16)) -ne 0 ] || wait
done
for t in $(seq 1 "$TERMS"); do # scaling: 1x and 2x (the 8-terminal set is 4x)
	"$TB/backlog" "$W/k/xa$t" "$((PER_TT / 4))" "$(seq -s, -f "xa-%g" $(((t - 1) * 20 + 1)) $((t * 20)))" >/dev/null &
	"$TB/backlog" "$W/k/xb$t" "$((PER_TT / 2))" "$(seq -s, -f "xb-%g" $(((t - 1) * 20 + 1)) $((t * 20)))" >/dev/null &
done
wait
RANDOM=11
for t in $(seq 1 "$BURST"); do
	echo "$t $((1 + RANDOM % 3))"
done | xargs -P 8 -n 2 sh -c '"$0" "$1/k/bu$2" "$3" "bu-$2" >/dev/null' "$TB/backlog" "$W"
pending() { sqlite3 "$1/db/kiosk.db" "SELECT COUNT(*) FROM batches WHERE acked IS NULL"; }

json() { # name value unit bound ratio params...
	local name=$1 value=$2 unit=$3 bound=$4 ratio=$5; shift 5
	printf '{"name":"%s","value":%s,"unit":"%s","bound":%s,"ratio":%s%s}\n' \
		"$name" "$value" "$unit" "$bound" "$ratio" "$*"
}

REPS=${BENCH_REPS:-3}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

ingest() { # shape prefix [terminals]: REPS runs, each against its own bound; medians
	local shape=$1 p=$2 TERMS=${3:-$TERMS} n=0 r t0 t1 bound_out bound_s run_s got
	local rates=() brates=() ratios=() times=()
	for t in $(seq 1 "$TERMS"); do n=$((n + $(pending "$W/k/$p$t"))); done
	for t in $(seq 1 "$TERMS"); do cp -a "$W/k/$p$t" "$W/k/$p$t.orig"; done
	for r in $(seq 1 "$REPS"); do
		rm -rf "$W/bound-$shape" "$W/run-$shape"
		cp -a "$S" "$W/bound-$shape"
		bound_out=$("$BB/bench_bound" "$W/bound-$shape" $(for t in $(seq 1 "$TERMS"); do echo "$W/k/$p$t"; done))
		[ "${bound_out% *}" = "$n" ] || { echo "bound applied ${bound_out% *} of $n" >&2; exit 1; }
		bound_s=${bound_out#* }
		cp -a "$S" "$W/run-$shape"
		start "$W/run-$shape"
		t0=$(now)
		for t in $(seq 1 "$TERMS"); do
			printf 'sync_timeout = 600\n' >"$W/k/$p$t/kiosk.conf"
			"$B/pols-kiosk" --data "$W/k/$p$t" sync &
		done
		wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
		t1=$(now)
		stop
		got=$(sqlite3 "$W/run-$shape/server.db" "SELECT COUNT(*) FROM applied")
		[ "$got" = "$n" ] || { echo "polsd applied $got of $n" >&2; exit 1; }
		run_s=$(echo "$t1 - $t0" | bc -l)
		times+=("$run_s")
		rates+=("$(echo "$n / $run_s" | bc -l)")
		brates+=("$(echo "$n / $bound_s" | bc -l)")
		ratios+=("$(echo "$n / $run_s / ($n / $bound_s)" | bc -l)")
		for t in $(seq 1 "$TERMS"); do
			rm -rf "$W/k/$p$t"
			cp -a "$W/k/$p$t.orig" "$W/k/$p$t"
		done
	done
	local rate brate ratio
	INGEST_TIME=$(printf '%s\n' "${times[@]}" | median)
	rate=$(printf '%s\n' "${rates[@]}" | median)
	brate=$(printf '%s\n' "${brates[@]}" | median)
	ratio=$(printf '%s\n' "${ratios[@]}" | median)
	say "$(printf 'ingest %-18s %2d terminals %6d batches  %8.1f batches/s  bound %8.1f  ratio %.2f  (median of %d; ratios %s)' \
		"$shape" "$TERMS" "$n" "$rate" "$brate" "$ratio" "$REPS" "$(printf '%.2f ' "${ratios[@]}")")"
	json ingest "$(printf %.1f "$rate")" "batches/s" "$(printf %.1f "$brate")" "$(printf %.3f "$ratio")" \
		",\"terminals\":$TERMS,\"batches\":$n,\"shape\":\"$shape\",\"commit_group\":64,\"transport\":\"tcp loopback\",\"runs\":$REPS"
}

# Scaling: 8 terminals with 1x, 2x and 4x the batches, one after the
# other (4x is the main 8-terminal figure).
ingest team-thermometer xa "$TERMS"
t1x=$INGEST_TIME
ingest team-thermometer xb "$TERMS"
t2x=$INGEST_TIME
ingest team-thermometer tt "$TERMS"
t4=$INGEST_TIME
ingest team-thermometer one 1
ingest team-thermometer sf 64
ingest medewerkersmonitor mm "$TERMS"
for step in "1 2 $t1x $t2x" "2 4 $t2x $t4"; do
	set -- $step
	c=$(echo "$4 / $3" | bc -l)
	say "$(printf 'ingest scaling %sx -> %sx the batches: %.2fx the time (at most 2.3)' "$1" "$2" "$c")"
	json ingest_scaling "$(printf %.3f "$c")" "x per doubling" 2.3 "$(echo "2.3 / $c" | bc -l | xargs printf %.3f)" \
		",\"from\":\"${1}x\",\"to\":\"${2}x\",\"terminals\":$TERMS,\"batches_4x\":$((PER_TT * TERMS))"
done

# Shift-start burst.
n=0
for t in $(seq 1 "$BURST"); do n=$((n + $(pending "$W/k/bu$t"))); done
cp -a "$S" "$W/bound-burst"
bound_out=$("$BB/bench_bound" "$W/bound-burst" $(for t in $(seq 1 "$BURST"); do echo "$W/k/bu$t"; done))
bound_s=${bound_out#* }
cp -a "$S" "$W/run-burst"
start "$W/run-burst"
mkdir -p "$W/waits"
t0=$(now)
for t in $(seq 1 "$BURST"); do
	printf 'sync_timeout = 120\nrequest_timeout_ms = 5000\n' >"$W/k/bu$t/kiosk.conf"
	( s=$(now); "$B/pols-kiosk" --data "$W/k/bu$t" sync; e=$(now); echo "$e - $s" | bc -l >"$W/waits/$t" ) &
done
wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
t1=$(now)
stop
got=$(sqlite3 "$W/run-burst/server.db" "SELECT COUNT(*) FROM applied")
[ "$got" = "$n" ] || { echo "burst: polsd applied $got of $n" >&2; exit 1; }
all_s=$(echo "$t1 - $t0" | bc -l)
slow=$(sort -g "$W"/waits/* | tail -n 1)
ratio=$(echo "$bound_s / $all_s" | bc -l)
say "$(printf 'burst  %d terminals %d batches: all acknowledged after %.2f s (bound %.3f s, ratio %.3f); slowest terminal waited %.2f s' \
	"$BURST" "$n" "$all_s" "$bound_s" "$ratio" "$slow")"
json burst_all_acked "$(printf %.3f "$all_s")" s "$(printf %.3f "$bound_s")" "$(printf %.4f "$ratio")" \
	",\"terminals\":$BURST,\"batches\":$n,\"shape\":\"team-thermometer\""
json burst_slowest_wait "$(printf %.3f "$slow")" s "$(printf %.3f "$bound_s")" "$(echo "$bound_s / $slow" | bc -l | xargs printf %.4f)" \
	",\"terminals\":$BURST,\"batches\":$n"
say "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); polsd workers: 4"
