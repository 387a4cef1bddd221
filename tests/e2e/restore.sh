#!/usr/bin/env bash
# restore.sh - a server restored from an older backup gets back every
# batch it had acknowledged: terminals keep acknowledged batches (sealed,
# unreadable to them) for a retention window, the server says the last one
# it holds from each, and the terminal resends the rest.
. "$(dirname "$0")/lib.sh"
S=$T/srv
make_server
URL="ipc://$T/s.sock"
enroll k bt-hengelo "$URL"
answer5() { for _ in 1 2 3 4 5; do answer k bt-hengelo "$1" "$1" "$1" "$1" "$1"; done; }
n_server() { sqlite3 "$S/server.db" "SELECT COALESCE(SUM(n),0) FROM cells WHERE unit='bt-hengelo'"; }
kept() { sqlite3 "$T/k/db/kiosk.db" "SELECT COUNT(*) FROM batches WHERE acked IS NOT NULL"; }

start_polsd "$URL"
answer5 3
check "first sync" "$B/pols-kiosk" --data "$T/k" sync
stop_polsd
cp -a "$S" "$T/backup" # the nightly backup
start_polsd "$URL"
answer5 8
check "second sync" "$B/pols-kiosk" --data "$T/k" sync
eq "the server holds ten" "$(n_server)" 10
eq "the terminal keeps both acknowledged batches" "$(kept)" 2
eq "and has nothing pending" "$("$B/pols-kiosk" --data "$T/k" status | sed -n 's/.*batches to send: //p')" 0
stop_polsd

# Disaster: the server is restored from last night's backup.
rm -rf "$S"
mv "$T/backup" "$S"
start_polsd "$URL"
eq "the restored server holds five" "$(n_server)" 5
out=$("$B/pols-kiosk" --data "$T/k" sync 2>&1) || fail "sync after restore: $out"
grep -q "holds less than it acknowledged.*sending the 2 kept batch(es) again" <<<"$out" ||
	fail "no resend: $out"
eq "after one sync the server holds ten again" "$(n_server)" 10
check "another sync" "$B/pols-kiosk" --data "$T/k" sync
eq "and nothing is counted twice" "$(n_server)" 10

# After the retention window acknowledged batches are dropped for good.
stop_polsd
export POLS_NOW=2027-04-20T09:00:00Z
start_polsd "$URL"
check "a sync 40 days later" "$B/pols-kiosk" --data "$T/k" sync
eq "no acknowledged batch is kept past 30 days" "$(kept)" 0
eq "the server still holds ten" "$(n_server)" 10
stop_polsd
