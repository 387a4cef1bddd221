#!/usr/bin/env bash
# valgrind.sh - the three programs along the whole path under valgrind:
# no leaks (definite, indirect or possible) and no invalid access, as exit
# code 99 would show. Skipped for sanitizer builds (make asan-test), which
# check the same with ASan/LSan instead.
. "$(dirname "$0")/lib.sh"
if [ "${POLS_SANITIZED:-0}" = 1 ]; then
	echo "  skipped: sanitizer build (ASan checks leaks there)"
	exit 0
fi
if [ "${POLS_VALGRIND:-0}" = 1 ]; then
	echo "  skipped: make valgrind-test runs every script under valgrind"
	exit 0
fi
command -v valgrind >/dev/null || fail "valgrind is not installed (deploy/install-deps.sh installs it)"
VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible
	--suppressions="$PWD/tests/valgrind.supp"
	--error-exitcode=99 --log-file="$T/vg.%p.log")
vg() { # description, command...
	local d=$1 rc=0; shift
	"${VG[@]}" "$@" >/dev/null 2>&1 || rc=$?
	[ "$rc" -ne 99 ] || { cat "$T"/vg.*.log >&2; fail "valgrind: $d"; }
	return "$rc"
}
make_server
URL="ipc://$T/s.sock"
vg "polsctl terminal add" "$B/polsctl" --data "$T/srv" terminal add k --teams bt-hengelo --server "$URL" --out "$T/k.bundle"
vg "pols-kiosk enroll" "$B/pols-kiosk" --data "$T/k" enroll "$T/k.bundle"
for i in 1 2 3 4 5 6; do
	printf '{"form":"team-thermometer","team":"bt-hengelo","answers":{"veiligheid":%d,"sfeer":1,"werkdruk":2,"samenwerking":3,"jezelf-zijn":4}}' "$i" >"$T/a.json"
	vg "pols-kiosk answer" "$B/pols-kiosk" --data "$T/k" answer <"$T/a.json"
done
echo '{"form":"team-thermometer","team":"bt-hengelo","answers":{"veiligheid":99}}' >"$T/bad.json"
rc=0; vg "pols-kiosk answer (refused)" "$B/pols-kiosk" --data "$T/k" answer <"$T/bad.json" || rc=$?
eq "a refused answer still exits 2 under valgrind" "$rc" 2
printf 'sync_timeout = 1\nrequest_timeout_ms = 300\n' >"$T/k/kiosk.conf"
rc=0; vg "pols-kiosk sync (server down)" "$B/pols-kiosk" --data "$T/k" sync || rc=$?
eq "sync with the server down exits 1" "$rc" 1
"${VG[@]}" "$B/polsd" --data "$T/srv" --listen "$URL" 2>"$T/polsd.1.log" &
POLSD_PID=$!; PIDS+=("$POLSD_PID")
for _ in $(seq 200); do grep -q "listening on" "$T/polsd.1.log" && break; sleep 0.05; done
printf 'sync_timeout = 20\n' >"$T/k/kiosk.conf"
vg "pols-kiosk sync" "$B/pols-kiosk" --data "$T/k" sync
vg "pols-kiosk status" "$B/pols-kiosk" --data "$T/k" status
POLS_PASSWORD=wachtwoord-hr "$B/polsctl" --data "$T/srv" account add hr --role hr >/dev/null
vg "polsctl publish" "$B/polsctl" --data "$T/srv" publish
POLS_PASSWORD=wachtwoord-hr vg "polsctl report (an open period: progress)" \
	"$B/polsctl" --data "$T/srv" report --as hr --unit nl --period 2027-F05 --format json
kill "$POLSD_PID"; rc=0; wait "$POLSD_PID" || rc=$?
[ "$rc" -ne 99 ] || { cat "$T"/vg.*.log >&2; fail "valgrind: polsd"; }
eq "polsd under valgrind stops cleanly" "$rc" 0
eq "the report counts the six responses" "$(report_json bt-hengelo | jq .n)" 6
echo "  ok: no leaks or invalid accesses in polsctl, pols-kiosk and polsd"
