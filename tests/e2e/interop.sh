#!/usr/bin/env bash
# interop.sh - a terminal that speaks legacy nanomsg (libnanomsg 1.1.x, REQ
# socket; tests/interop/nn_sync.c) enrolls with and syncs to a real polsd
# (NNG REP, tcp on loopback): HELLO -> CHALLENGE with its first-contact
# enrollment, SYNC with one real batch -> ACK "applied", both replies
# verified with the server's key. The server's cells then hold the
# terminal's 5 responses, and the same terminal goes on with pols-kiosk
# (NNG) under the key it bound over nanomsg. Fails, does not skip, when
# nn_sync was not built (libnanomsg-dev missing: deploy/install-deps.sh).
. "$(dirname "$0")/lib.sh"
: "${TB:?set POLS_TESTBIN}"
NN=$TB/nn_sync
[ -x "$NN" ] || fail "$NN was not built: install libnanomsg-dev (deploy/install-deps.sh) and rebuild"

make_server
URL="tcp://127.0.0.1:$(free_port)"
start_polsd "$URL"
enroll legacy bt-hengelo "$URL"
# 5 responses (k = 5): the cell is cut at once. sfeer is 7 each time.
for v in 1 2 3 4 5; do answer legacy bt-hengelo "$v" 7 "$v" 3 10 >/dev/null; done
[ -f "$T/legacy/keys/enroll.token" ] || fail "the terminal has no enrollment token before its first contact"

LD_DEBUG=bindings LD_DEBUG_OUTPUT="$T/ld" "$NN" "$T/legacy" >"$T/nn.out" 2>&1 ||
	{ cat "$T/nn.out" >&2; fail "nn_sync failed"; }
sed 's/^/    /' "$T/nn.out"
grep -q "hello -> challenge.*signature verified" "$T/nn.out" || fail "no verified CHALLENGE"
grep -q "sync -> ack.*signature verified" "$T/nn.out" || fail "no verified ACK"
grep -q "applied" "$T/nn.out" || fail "the batch was not applied"
echo "  ok: HELLO -> CHALLENGE and SYNC -> ACK over nanomsg, replies verified"

# Really libnanomsg: the dynamic linker bound the socket calls there, and
# not to NNG's nanomsg compatibility layer (libnng defines nn_* too).
binds() { grep -h "binding file [^ ]*/nn_sync \[0\] to .*: normal symbol \`nn_" "$T"/ld.*; }
for sym in nn_socket nn_connect nn_send nn_recv; do
	binds | grep "symbol \`$sym'" | grep -q "to [^ ]*libnanomsg\.so" ||
		fail "$sym was not bound to libnanomsg: $(binds | grep "\`$sym'")"
done
! binds | grep -q "to [^ ]*libnng\.so" || fail "nn_sync called into libnng: $(binds | grep libnng)"
echo "  ok: nn_socket, nn_connect, nn_send and nn_recv came from libnanomsg"

db=$T/srv/server.db
eq "the team's cell holds the 5 responses" \
	"$(sqlite3 "$db" "SELECT n FROM cells WHERE unit = 'bt-hengelo' AND form = 'team-thermometer'")" 5
eq "and so does the district's" \
	"$(sqlite3 "$db" "SELECT n FROM cells WHERE unit = 'twente' AND form = 'team-thermometer'")" 5
agg=$(sqlite3 "$db" "SELECT agg FROM cells WHERE unit = 'bt-hengelo' AND form = 'team-thermometer'")
eq "sfeer counted 7 five times" "$(jq '.items[] | select(.id == "sfeer") | .counts["7"]' <<<"$agg")" 5
eq "veiligheid counted 1 to 5 once each" \
	"$(jq -c '[.items[] | select(.id == "veiligheid") | .counts["1","2","3","4","5"]]' <<<"$agg")" "[1,1,1,1,1]"
eq "one batch recorded as applied" "$(sqlite3 "$db" "SELECT COUNT(*) FROM applied")" 1
eq "the terminal's key is bound" "$(sqlite3 "$db" "SELECT length(pk) FROM terminals WHERE name = 'legacy'")" 32
grep -q "S102.*terminal 'legacy' enrolled" "$T/polsd.log" || fail "polsd did not log the enrollment"
[ ! -e "$T/legacy/keys/enroll.token" ] || fail "the spent enrollment token was kept"
pending=$("$B/pols-kiosk" --data "$T/legacy" status | sed -n 's/.*batches to send: //p')
eq "the acknowledged batch is settled on the terminal" "$pending" 0
seq=$(sqlite3 "$T/legacy/db/kiosk.db" "SELECT MAX(seq) FROM batches WHERE acked IS NOT NULL")
[ "${seq:-0}" -ge 1 ] || fail "no acknowledged batch with a sequence number on the terminal"
eq "the server recorded the batch's sequence number" \
	"$(sqlite3 "$db" "SELECT last_seq FROM terminals WHERE name = 'legacy'")" "$seq"

# The same terminal with the real client (NNG) and the key bound over nanomsg.
for _ in 1 2 3 4 5; do answer legacy bt-hengelo 6 6 6 6 6 >/dev/null; done
check "pols-kiosk syncs with the key nn_sync enrolled" "$B/pols-kiosk" --data "$T/legacy" sync
eq "the cell now holds 10 responses" \
	"$(sqlite3 "$db" "SELECT n FROM cells WHERE unit = 'bt-hengelo' AND form = 'team-thermometer'")" 10

stop_polsd
echo "  ok: polsd stopped cleanly"
