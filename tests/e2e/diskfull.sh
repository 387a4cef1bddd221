#!/usr/bin/env bash
# diskfull.sh - a full disk and a read-only database, without root:
#  - disk full on the terminal: `answer` under a file-size limit
#    (RLIMIT_FSIZE, `ulimit -f`; the programs ignore SIGXFSZ, so a write
#    past the limit fails with EFBIG instead of killing them) until it
#    fails: one line that says "schijf vol ... / disk full ...", exit 1;
#    the kiosk screen tells the respondent so; a sync under the limit
#    fails saying so, or succeeds; a really full file system (ENOSPC, a
#    small tmpfs in a mount namespace, where unshare allows one) says so
#    too; once the limit is gone the database is intact and every answer
#    that exited 0 reaches the server;
#  - disk full on the server: polsd under the limit refuses SYNCs with
#    `internal` (S007 in its log, naming the full disk), the terminal
#    keeps its batches, polsd stops cleanly; restarted without the limit,
#    everything is applied, once; polsctl under the limit says so too;
#  - a read-only database (file 0400, folder 0500) on the terminal and on
#    the server (polsd and polsctl refuse it at start): clear error, nothing
#    lost, all well once writable again.
#    As root, the programs run without CAP_DAC_OVERRIDE (setpriv) so that
#    file modes bind them.
. "$(dirname "$0")/lib.sh"
: "${TB:?set POLS_TESTBIN}"
S=$T/srv
make_server
URL="ipc://$T/s.sock"
enroll t1 bt-hengelo,bt-almelo "$URL"
printf 'sync_timeout = 2\nrequest_timeout_ms = 500\n' >"$T/t1/kiosk.conf"
start_polsd "$URL"
check "a first sync" "$B/pols-kiosk" --data "$T/t1" sync
# Closed cells, so the database is larger than the limit below.
"$TB/backlog" "$T/t1" 300 bt-hengelo,bt-almelo >"$T/want1.txt"
LIMIT=32 # KiB: sqlite's WAL index (-shm) needs 32 KiB; the WAL no more

# one_line WHAT RC OUT PATTERN: exit 1 and one line matching PATTERN.
one_line() {
	[ "$2" -eq 1 ] || fail "$1: exit $2 (want 1): $3"
	[ "$(wc -l <<<"$3")" -eq 1 ] || fail "$1: not one line: $3"
	grep -qE "$4" <<<"$3" || fail "$1: unclear: $3"
}
FULL="schijf vol of bestand te groot / disk full or file too large"
JSON='{"form":"team-thermometer","team":"bt-hengelo","answers":{"veiligheid":6,"sfeer":6,"werkdruk":6,"samenwerking":6,"jezelf-zijn":6}}'
given=0
full=""
for i in $(seq 60); do
	rc=0
	out=$( (ulimit -f "$LIMIT"; "$B/pols-kiosk" --data "$T/t1" answer <<<"$JSON") 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then
		given=$((given + 1))
	else
		full=$out
		one_line "answer on a full disk" "$rc" "$out" "^pols-kiosk: database: $FULL \(File too large\): disk I/O error$"
		break
	fi
done
[ -n "$full" ] || fail "60 answers fitted under a ${LIMIT} KiB file-size limit"
echo "  ok: the disk fills after $given answers; then: $full"
for _ in 1 2 3; do
	rc=0
	out=$( (ulimit -f "$LIMIT"; "$B/pols-kiosk" --data "$T/t1" answer <<<"$JSON") 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then given=$((given + 1)); else one_line "answer on a full disk" "$rc" "$out" "$FULL"; fi
done
# The kiosk screen, under the same limit: the respondent is told.
command -v tmux >/dev/null || fail "tmux is needed (deploy/install-deps.sh)"
echo "sync_interval = 86400" >>"$T/t1/kiosk.conf"
tm() { tmux -S "$T/tmux.sock" "$@"; }
tm -f /dev/null new-session -d -s ui -x 80 -y 24 \
	"ulimit -f $LIMIT; env POLS_NOW=$POLS_NOW ASAN_OPTIONS=${ASAN_OPTIONS:-} UBSAN_OPTIONS=${UBSAN_OPTIONS:-} $B/pols-kiosk --data $T/t1 run; sleep 60"
PIDS+=("$(tm display -p '#{pid}')")
wait_for() { # text
	for _ in $(seq 100); do tm capture-pane -p -t ui | grep -qF -- "$1" && return 0; sleep 0.1; done
	tm capture-pane -p -t ui >&2
	fail "the kiosk screen never showed '$1'"
}
wait_for "Kies je taal"
tm send-keys -t ui 1; wait_for "Kies je team"
tm send-keys -t ui 1; wait_for "Kies een vragenlijst"
tm send-keys -t ui 1
for q in 1 2 3 4 5; do wait_for "vraag $q van 5"; tm send-keys -t ui 6; done
wait_for "Versturen"
tm send-keys -t ui Enter
wait_for "de schijf van deze terminal is vol"
echo "  ok: the kiosk screen: $(tm capture-pane -p -t ui | grep -m1 -F "schijf")"
tm kill-server # SIGHUP ends the kiosk
for _ in $(seq 50); do pgrep -f -- "--data $T/t1 run" >/dev/null || break; sleep 0.1; done
pgrep -f -- "--data $T/t1 run" >/dev/null && fail "the kiosk outlived its screen"
rc=0
out=$( (ulimit -f "$LIMIT"; "$B/pols-kiosk" --data "$T/t1" sync) 2>&1) || rc=$?
[ "$rc" -eq 0 ] || one_line "sync on a full disk" "$rc" "$out" "^pols-kiosk: sync: database: $FULL"
echo "  ok: sync on the full disk: exit $rc${out:+ ($out)}"
eq "the database is intact once there is room" "$(sqlite3 "$T/t1/db/kiosk.db" "PRAGMA integrity_check")" ok
# A really full file system (ENOSPC, sqlite's SQLITE_FULL): a copy of the
# terminal on a tmpfs filled up to 40 KiB (room for the -shm file, not for
# the WAL), in a mount namespace of its own.
if unshare -rm true 2>/dev/null; then
	mkdir "$T/mnt"
	rc=0
	out=$(unshare -rm bash -c 'mount -t tmpfs -o size="$5"k tmpfs "$1" && cp -a "$2" "$1/t" &&
		head -c $((($(df -k --output=avail "$1" | tail -n 1) - 40) * 1024)) /dev/zero >"$1/fill" &&
		"$3" --data "$1/t" answer <<<"$4"' \
		- "$T/mnt" "$T/t1" "$B/pols-kiosk" "$JSON" $(($(du -sk "$T/t1" | cut -f1) + 256)) 2>&1) || rc=$?
	one_line "answer on a full file system" "$rc" "$out" "^pols-kiosk: database: $FULL: database or disk is full$"
	echo "  ok: answer on a full file system: $out"
else
	echo "  skipped: no mount namespace here for a full file system (ENOSPC)"
fi
while [ "$given" -lt 5 ]; do # k = 5: the open cell travels from five on
	"$B/pols-kiosk" --data "$T/t1" answer <<<"$JSON" || fail "answer with room"
	given=$((given + 1))
done
check "with room again, the sync settles everything" "$B/pols-kiosk" --data "$T/t1" sync
eq "every answer that exited 0 is on the server, once" "$(report_json bt-hengelo | jq .n)" "$given"
while read -r team n; do
	got=$(sqlite3 "$S/server.db" "SELECT SUM(n) FROM cells WHERE unit='$team' AND period != '2027-F05'")
	[ "$got" = "$n" ] || fail "$team: server has $got, $n were answered"
done <"$T/want1.txt"
echo "  ok: and so is the backlog"
stop_polsd

# The server's disk is full.
"$TB/backlog" "$T/t1" 300 bt-hengelo,bt-almelo >"$T/want2.txt"
(ulimit -f "$LIMIT"; exec "$B/polsd" --data "$S" --listen "$URL" 2>"$T/polsd-full.log") &
FP=$!
PIDS+=("$FP")
for _ in $(seq 100); do grep -q listening "$T/polsd-full.log" && break; sleep 0.05; done
grep -q listening "$T/polsd-full.log" || fail "polsd did not start under the limit: $(cat "$T/polsd-full.log")"
rc=0
out=$("$B/pols-kiosk" --data "$T/t1" sync 2>&1) || rc=$?
one_line "sync to a server with a full disk" "$rc" "$out" "could not store the batches.*\(internal\).*kept for the next sync"
grep -qF "S007: commit failed: database: $FULL (File too large)" "$T/polsd-full.log" || fail "polsd did not log the full disk: $(cat "$T/polsd-full.log")"
kill -0 "$FP" || fail "polsd died on a full disk"
left=$("$B/pols-kiosk" --data "$T/t1" status | sed -n 's/.*batches to send: //p')
[ "$left" -gt 0 ] || fail "nothing kept on the terminal"
kill "$FP"
rc=0
wait "$FP" || rc=$?
eq "polsd on a full disk stops cleanly" "$rc" 0
echo "  ok: polsd on a full disk: $(grep -m1 S007 "$T/polsd-full.log"); the terminal kept $left batches"
rc=0
out=$( (ulimit -f "$LIMIT"; "$B/polsctl" --data "$S" form publish forms/medewerkersmonitor.json) 2>&1) || rc=$?
one_line "polsctl on a full disk" "$rc" "$out" "^polsctl: database: $FULL \(File too large\)"
echo "  ok: polsctl on a full disk: $out"
"$B/polsctl" --data "$S" form publish forms/medewerkersmonitor.json >/dev/null || fail "polsctl with room again"
echo "  ok: polsctl with room again"
start_polsd "$URL"
check "with room again, the server takes them" "$B/pols-kiosk" --data "$T/t1" sync
cat "$T/want1.txt" "$T/want2.txt" | awk '{s[$1] += $2} END {for (t in s) print t, s[t]}' >"$T/want.txt"
while read -r team n; do
	got=$(sqlite3 "$S/server.db" "SELECT SUM(n) FROM cells WHERE unit='$team' AND period != '2027-F05'")
	[ "$got" = "$n" ] || fail "$team: server has $got, $n were answered"
done <"$T/want.txt"
eq "every batch applied once" "$(sqlite3 "$S/server.db" "SELECT COUNT(*) FROM applied")" \
	"$(sqlite3 "$T/t1/db/kiosk.db" "SELECT COUNT(*) FROM batches")"
stop_polsd

# Read-only databases. As root, file modes bind only without
# CAP_DAC_OVERRIDE (and CAP_FOWNER): drop them from the bounding set.
NOCAP=()
if [ "$(id -u)" -eq 0 ]; then
	NOCAP=(setpriv --bounding-set -dac_override,-dac_read_search,-fowner)
	"${NOCAP[@]}" true || fail "setpriv cannot drop capabilities here"
fi
start_polsd "$URL"
for _ in 1 2 3 4 5; do answer t1 bt-almelo 9 9 9 9 9; done
kiosk() { "${NOCAP[@]}" "$B/pols-kiosk" --data "$T/t1" "$@"; }
chmod 0400 "$T/t1/db/kiosk.db"
rc=0
out=$(kiosk answer <<<"$JSON" 2>&1) || rc=$?
one_line "answer, kiosk.db read-only" "$rc" "$out" "readonly database"
echo "  ok: answer, kiosk.db read-only: $out"
rc=0
out=$(kiosk sync 2>&1) || rc=$?
one_line "sync, kiosk.db read-only" "$rc" "$out" "readonly database"
echo "  ok: sync, kiosk.db read-only: $out"
# sqlite made the -wal and -shm files with the database's mode: all three
# need their mode back (docs/recovery.md).
chmod 0600 "$T/t1/db/"*
chmod 0500 "$T/t1/db"
rm -f "$T/t1/db/kiosk.db-wal" "$T/t1/db/kiosk.db-shm" 2>/dev/null || true
rc=0
out=$(kiosk answer <<<"$JSON" 2>&1) || rc=$?
one_line "answer, db folder read-only" "$rc" "$out" "readonly database"
echo "  ok: answer, db folder read-only: $out"
chmod 0700 "$T/t1/db"
eq "read-only: the terminal's database is intact" "$(sqlite3 "$T/t1/db/kiosk.db" "PRAGMA integrity_check")" ok
kiosk answer <<<"$JSON" || fail "answer once writable"
given=$((given + 1))
stop_polsd
chmod 0400 "$S/server.db"
# A server database that cannot be written is refused at start, in one
# line, by polsd and polsctl alike; the terminal keeps its batches.
for prog in polsd polsctl; do
	rc=0
	if [ "$prog" = polsd ]; then
		out=$("${NOCAP[@]}" "$B/polsd" --data "$S" --listen "$URL" 2>&1) || rc=$?
	else
		out=$("${NOCAP[@]}" "$B/polsctl" --data "$S" terminal list 2>&1) || rc=$?
	fi
	one_line "$prog, server.db read-only" "$rc" "$out" "cannot be written"
	echo "  ok: $prog, server.db read-only: $out"
done
rc=0
out=$(kiosk sync 2>&1) || rc=$?
eq "the terminal cannot reach it and keeps everything (exit 1)" "$rc" 1
chmod 0600 "$S/server.db"*
start_polsd "$URL"
check "writable again: the terminal's batches arrive" "$B/pols-kiosk" --data "$T/t1" sync
eq "bt-almelo: the five answered meanwhile, once" \
	"$(sqlite3 "$S/server.db" "SELECT SUM(n) FROM cells WHERE unit='bt-almelo' AND period = '2027-F05'")" 5
eq "bt-hengelo: every answer that exited 0, once (one waits for k = 5)" "$(report_json bt-hengelo | jq .n)" $((given - 1))
stop_polsd
