# lib.sh - shared set-up for the end-to-end scripts (sourced, not run).
# Real programs, real sqlite files, real NNG sockets; everything lives in a
# fresh temporary folder that is removed on exit.
set -euo pipefail
: "${POLS_BIN:?set POLS_BIN}"
B=$POLS_BIN
TB=${POLS_TESTBIN:-}
T=$(mktemp -d "${TMPDIR:-/tmp}/pols-e2e.XXXXXX")
export POLS_NOW=${POLS_NOW:-2027-03-10T09:00:00Z}
# make valgrind-test: the wrapped programs log here (tests/valgrind-run.sh).
export POLS_VGDIR=$T
PIDS=()
# ON_EXIT: commands a script adds (ON_EXIT+=(fn)); run on exit, failed or
# not, after the PIDS are stopped (network namespaces, say: tests/e2e/netns.sh).
ON_EXIT=()
cleanup() {
	local p rc=$?
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	for p in "${ON_EXIT[@]}"; do "$p" || true; done
	# Sanitizer reports from background servers (make asan-test).
	if grep -lE 'Sanitizer|runtime error' "$T"/*.log 2>/dev/null; then
		cat "$T"/*.log >&2
		rc=1
	fi
	# valgrind reports of any program the script ran (make valgrind-test).
	for p in "$T"/vg.*.log; do
		[ -s "$p" ] || continue
		echo "valgrind: $p" >&2
		cat "$p" >&2
		rc=1
	done
	if [ "$rc" -ne 0 ] && [ -n "${POLS_KEEP:-}" ]; then
		echo "kept: $T" >&2 # POLS_KEEP=1: the files of a failed run stay
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
check() { # description, command...
	local d=$1; shift
	if "$@"; then echo "  ok: $d"; else fail "$d"; fi
}
eq() { # description, got, want
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
	echo "  ok: $1"
}

# A server with the org of the demo (deploy/demo-org.csv): korps > eenheid
# > district > 3 teams.
make_server() {
	cp deploy/demo-org.csv "$T/org.csv"
	"$B/polsctl" --data "$T/srv" init >/dev/null
	"$B/polsctl" --data "$T/srv" org import "$T/org.csv" >/dev/null
	"$B/polsctl" --data "$T/srv" form publish forms/team-thermometer.json >/dev/null
}

# start_polsd URL: start a real polsd and wait until it listens.
start_polsd() {
	local url=$1 i log
	POLSD_RUNS=$((${POLSD_RUNS:-0} + 1))
	log=$T/polsd.$POLSD_RUNS.log
	"$B/polsd" --data "$T/srv" --listen "$url" 2>"$log" &
	POLSD_PID=$!
	PIDS+=("$POLSD_PID")
	# polsd.log: the current run's log, for tests that grep the server's words.
	for i in $(seq 100); do
		if grep -q "listening on $url" "$log" 2>/dev/null; then
			ln -sf "$log" "$T/polsd.log"
			return 0
		fi
		kill -0 "$POLSD_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$log" >&2
	fail "polsd did not start on $url"
}

stop_polsd() { # a clean stop on SIGTERM, exit 0 (and no leak under ASan)
	local rc=0
	kill "$POLSD_PID" 2>/dev/null || true
	wait "$POLSD_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "polsd exited $rc on SIGTERM"
}

# enroll NAME TEAMS URL
enroll() {
	"$B/polsctl" --data "$T/srv" terminal add "$1" --teams "$2" --server "$3" \
		--out "$T/$1.bundle" >/dev/null
	"$B/pols-kiosk" --data "$T/$1" enroll "$T/$1.bundle" >/dev/null
	rm -f "$T/$1.bundle"
}

# answer TERMINAL TEAM V1 V2 V3 V4 V5 (Team Thermometer, all items)
answer() {
	printf '{"form":"team-thermometer","team":"%s","answers":{"veiligheid":%s,"sfeer":%s,"werkdruk":%s,"samenwerking":%s,"jezelf-zijn":%s}}' \
		"$2" "$3" "$4" "$5" "$6" "$7" | "$B/pols-kiosk" --data "$T/$1" answer
}

# report_json TEAM [FORM]: the team's merged cell of the latest period it
# has (every form version), read straight from server.db as the tests'
# oracle for what was ingested: {n, items: [{id, counts}]}. Not a way out
# of the server: reports go through publication (tests/e2e/publication.sh).
report_json() {
	local f=${2:-team-thermometer}
	sqlite3 -json "$T/srv/server.db" "SELECT period, agg FROM cells WHERE unit = '$1' AND form = '$f' AND period = (SELECT MAX(period) FROM cells WHERE unit = '$1' AND form = '$f')" |
		jq '(. // []) | (.[0].period) as $p | map(.agg | fromjson) | {period: $p, n: (map(.n) | add // 0), items: (map(.items[]) | group_by(.id) | map({id: .[0].id, counts: (reduce (.[].counts | to_entries[]) as $e ({}; .[$e.key] += $e.value))}))}'
}

# account NAME ROLE SCOPE-OPTION...: an account with password "wachtwoord-NAME"
account() {
	local n=$1; shift
	POLS_PASSWORD="wachtwoord-$n" "$B/polsctl" --data "$T/srv" account add "$n" --role "$@" >/dev/null
}
# report_as NAME ARGS...: polsctl report as that account
report_as() {
	local n=$1; shift
	POLS_PASSWORD="wachtwoord-$n" "$B/polsctl" --data "$T/srv" report --as "$n" "$@"
}

free_port() { echo $((20000 + RANDOM % 30000)); }
