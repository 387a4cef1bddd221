#!/usr/bin/env bash
# attacks.sh - hostile messages are refused while an honest terminal syncs:
# an enrollment hijack with a captured first HELLO, a second holder of a
# used bundle, a tampered message, requests signed with a key that is not
# the terminal's, a replayed request, requests out of order, a replayed old
# reply, a forged reply, a batch with inconsistent counts, a batch for a
# team the terminal does not serve, an applied batch id sent again with
# other content, another terminal's batch (its id, its sealed bytes) sent
# by an insider, an unknown protocol version, a forged revocation, and a
# revoked terminal.
. "$(dirname "$0")/lib.sh"
: "${TB:?set POLS_TESTBIN}"
ATK=$TB/polsattack

make_server
URL="tcp://127.0.0.1:$(free_port)"
# k = 5 responses make a cell travel while its period is open.
answer5() { for _ in 1 2 3 4 5; do answer "$1" "$2" "$3" "$3" "$3" "$3" "$3"; done; }

# Enrollment hijack: an attacker captures a terminal's first HELLO (its
# sealed token) and offers it with a key of their own. Refused, and the
# token stays good for the real terminal.
start_polsd "$URL"
RELAY="tcp://127.0.0.1:$(free_port)"
"$B/polsctl" --data "$T/srv" terminal add fresh --teams bt-almelo --server "$RELAY" \
	--out "$T/fresh.bundle" >/dev/null
"$B/pols-kiosk" --data "$T/fresh" enroll "$T/fresh.bundle" >/dev/null
"$ATK" relay "$RELAY" "$URL" "$T/first-hello" capture 2>>"$T/relay.log" & RPID=$!; PIDS+=("$RPID")
sleep 0.3
printf 'sync_timeout = 1\nrequest_timeout_ms = 300\n' >"$T/fresh/kiosk.conf"
"$B/pols-kiosk" --data "$T/fresh" sync 2>/dev/null && fail "sync through a silent relay succeeded"
kill "$RPID"; wait "$RPID" 2>/dev/null || true
check "a captured first HELLO re-signed with another key is refused" "$ATK" hijack "$URL" "$T/first-hello"
sqlite3 "$T/fresh/db/kiosk.db" "UPDATE meta SET value = CAST('$URL' AS BLOB) WHERE key = 'server'"
check "the real terminal then enrolls with its token" "$B/pols-kiosk" --data "$T/fresh" sync
# The same first HELLO arriving again damaged (one bit of its signature):
# under the bound key, so a bad signature, not a second holder (no S204).
check "a damaged resend of the first HELLO is a bad signature" "$ATK" damaged "$URL" "$T/first-hello"
s204=$(grep -c "S204" "$T/polsd.log" || true)
eq "a damaged resend raises no alarm about a copied bundle" "$s204" 0

# A second holder of the same bundle, after the first has enrolled.
"$B/pols-kiosk" --data "$T/fresh-twin" enroll "$T/fresh.bundle" >/dev/null
sqlite3 "$T/fresh-twin/db/kiosk.db" "UPDATE meta SET value = CAST('$URL' AS BLOB) WHERE key = 'server'"
set +e
out=$("$B/pols-kiosk" --data "$T/fresh-twin" sync 2>&1); rc=$?
set -e
eq "a second holder of a used bundle is refused" "$rc" 1
grep -q "already enrolled with another key.*(enroll_failed)" <<<"$out" || fail "said: $out"
grep -q "S204" "$T/polsd.log" || fail "the server did not log the second enrollment"

enroll honest bt-hengelo "$URL"
enroll mallory bt-enschede "$URL"
enroll gone bt-almelo "$URL"
for t in honest mallory gone; do
	answer5 "$t" "$(case $t in honest) echo bt-hengelo;; mallory) echo bt-enschede;; gone) echo bt-almelo;; esac)" 5
	"$B/pols-kiosk" --data "$T/$t" sync || fail "first sync of $t"
done

HONEST_N=5
honest_syncs() { # the honest terminal still gets through, exactly
	answer5 honest bt-hengelo 6
	HONEST_N=$((HONEST_N + 5))
	"$B/pols-kiosk" --data "$T/honest" sync || fail "honest sync after $1"
	got=$("$B/pols-kiosk" --data "$T/honest" status | sed -n 's/.*batches to send: //p')
	[ "$got" = 0 ] || fail "honest terminal kept $got batches after $1"
	echo "  ok: honest terminal still syncs after $1"
}
enschede_n() { sqlite3 "$T/srv/server.db" "SELECT COALESCE(SUM(n),0) FROM cells WHERE unit='bt-enschede'"; }
last_seq() { sqlite3 "$T/srv/server.db" "SELECT last_seq FROM terminals WHERE name = '$1'"; }
waiting() { sqlite3 "$T/$1/db/kiosk.db" "SELECT COUNT(*) FROM batches WHERE acked IS NULL"; }
offline_cut() { # TERMINAL: cut what it holds into batches, reaching no server
	local db=$T/$1/db/kiosk.db
	sqlite3 "$db" "UPDATE meta SET value = CAST('tcp://127.0.0.1:1' AS BLOB) WHERE key = 'server'"
	printf 'sync_timeout = 1\nrequest_timeout_ms = 200\n' >"$T/$1/kiosk.conf"
	if "$B/pols-kiosk" --data "$T/$1" sync 2>/dev/null; then fail "$1 synced without a server"; fi
	sqlite3 "$db" "UPDATE meta SET value = CAST('$URL' AS BLOB) WHERE key = 'server'"
	rm "$T/$1/kiosk.conf"
}

check "a tampered SYNC is refused (bad_signature)" "$ATK" tamper "$T/mallory" "$URL"
honest_syncs "tampering"
check "a HELLO and a SYNC signed with a key not the terminal's are refused (bad_signature)" \
	"$ATK" forge "$T/mallory" "$URL"
check "a replayed SYNC is refused (stale_challenge)" "$ATK" replay "$T/mallory" "$URL"
honest_syncs "a replayed request"
before=$(enschede_n)
out=$("$ATK" badcounts "$T/mallory" "$URL" bt-enschede) || fail "a lying batch was not refused: $out"
grep -q "^refused: counts are malformed or inconsistent" <<<"$out" || fail "said: $out"
echo "  ok: a batch with inconsistent counts is refused ($out)"
eq "the refused batch changed no cell" "$(enschede_n)" "$before"
honest_syncs "a lying batch"
out=$("$ATK" wrongteam "$T/mallory" "$URL" bt-hengelo) || fail "a batch for another team was not refused: $out"
eq "a batch for a team not served is refused" "$out" "refused: terminal does not serve team 'bt-hengelo'"
honest_syncs "a batch for another team"

# Requests out of order: a SYNC on an older challenge after a newer HELLO
# is stale; two batches delivered newest first, one SYNC each, both apply
# once, and the terminal's own later SYNC of the same two changes nothing.
answer5 mallory bt-enschede 2
offline_cut mallory
answer5 mallory bt-enschede 3
offline_cut mallory
eq "mallory holds two batches" "$(waiting mallory)" 2
top=$(sqlite3 "$T/mallory/db/kiosk.db" "SELECT MAX(seq) FROM batches WHERE acked IS NULL")
before=$(enschede_n)
out=$("$ATK" reorder "$T/mallory" "$URL") || fail "reordered requests: $out"
grep -q "older of two challenges: refused: stale_challenge" <<<"$out" || fail "said: $out"
eq "batches delivered newest first: both apply" "$(grep -c '^batch seq [0-9]*: applied$' <<<"$out")" 2
eq "... each once" "$(enschede_n)" $((before + 10))
eq "last_seq is the highest, whatever the order" "$(last_seq mallory)" "$top"
check "the terminal's own sync of the same batches" "$B/pols-kiosk" --data "$T/mallory" sync
eq "settles them" "$(waiting mallory)" 0
eq "and counts nothing twice" "$(enschede_n)" $((before + 10))

# An insider's batch ids: chosen ids apply for its own teams; the same id
# again with other content is refused (S203); another terminal's waiting
# batch sent in the insider's name is refused; the insider's own batch
# under that terminal's id does not pre-empt it; a high sequence number
# moves only the insider's own last_seq.
ID=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
eq "an insider's consistent batch under an id of its choice applies" \
	"$("$ATK" batch "$T/mallory" "$URL" bt-enschede "$ID" 3)" applied
before=$(enschede_n)
eq "the same id again with other content is refused" \
	"$("$ATK" batch "$T/mallory" "$URL" bt-enschede "$ID" 9)" \
	"refused: batch id was applied before with other content"
eq "and changes no cell" "$(enschede_n)" "$before"
grep -q "S203: terminal 'mallory' resent batch $ID with other content" "$T/polsd.log" ||
	fail "the server did not log S203"
answer5 honest bt-hengelo 8
HONEST_N=$((HONEST_N + 5))
offline_cut honest
HID=$(sqlite3 "$T/honest/db/kiosk.db" "SELECT id FROM batches WHERE acked IS NULL")
hseq=$(last_seq honest)
eq "another terminal's waiting batch, sent in the insider's name, is refused" \
	"$("$ATK" steal "$T/mallory" "$URL" "$T/honest")" \
	"refused: batch was made for another id or terminal"
eq "the insider's own batch under that terminal's waiting id applies (to its own team)" \
	"$("$ATK" batch "$T/mallory" "$URL" bt-enschede "$HID" 4)" applied
eq "an insider's batch with sequence number 10^6 applies" \
	"$("$ATK" batch "$T/mallory" "$URL" bt-enschede - 5 1000000)" applied
eq "it raises the insider's own last_seq" "$(last_seq mallory)" 1000000
eq "and no other terminal's" "$(last_seq honest)" "$hseq"
check "the other terminal then sends its batch" "$B/pols-kiosk" --data "$T/honest" sync
eq "which is applied, not taken for the insider's" \
	"$(sqlite3 "$T/srv/server.db" "SELECT SUM(n) FROM cells WHERE unit='bt-hengelo'")" "$HONEST_N"
honest_syncs "an insider's chosen batch ids"
almelo() { sqlite3 "$T/srv/server.db" "SELECT COALESCE(SUM(n),0) FROM cells WHERE unit='bt-almelo'"; }
before=$(almelo)
check "a batch with look-alike keys is answered" "$ATK" casekeys "$T/mallory" "$URL" bt-enschede bt-almelo
eq "look-alike keys reach no other team" "$(almelo)" "$before"
eq "nor a period that was never checked" \
	"$(sqlite3 "$T/srv/server.db" "SELECT COUNT(*) FROM cells WHERE period NOT LIKE '2027-F%'")" 0
check "a message of protocol version 9 is refused with code 'version'" "$ATK" version "$T/mallory" "$URL"

# A replayed old reply: a relay records a real ACK, then answers the next
# SYNC with it. The kiosk must not delete its batch on that old reply.
RELAY="tcp://127.0.0.1:$(free_port)"
"$ATK" relay "$RELAY" "$URL" "$T/old-ack" record 2>>"$T/relay.log" & RPID=$!; PIDS+=("$RPID")
sleep 0.3
cp -a "$T/mallory" "$T/mallory-via-relay"
sqlite3 "$T/mallory-via-relay/db/kiosk.db" "UPDATE meta SET value = CAST('$RELAY' AS BLOB) WHERE key = 'server'"
answer5 mallory-via-relay bt-enschede 1
"$B/pols-kiosk" --data "$T/mallory-via-relay" sync || fail "sync through the recording relay"
[ -s "$T/old-ack" ] || fail "relay recorded no ACK"
kill "$RPID"; wait "$RPID" 2>/dev/null || true
"$ATK" relay "$RELAY" "$URL" "$T/old-ack" replay 2>>"$T/relay.log" & RPID=$!; PIDS+=("$RPID")
sleep 0.3
answer5 mallory-via-relay bt-enschede 2
printf 'sync_timeout = 2\nrequest_timeout_ms = 300\n' >"$T/mallory-via-relay/kiosk.conf"
before=$(enschede_n)
set +e
out=$("$B/pols-kiosk" --data "$T/mallory-via-relay" sync 2>&1); rc=$?
set -e
[ "$rc" -ne 0 ] || fail "kiosk accepted a replayed old ACK"
grep -q "old or replayed" <<<"$out" || fail "no replay warning in: $out"
grep -q "answered a sync with the old ack" "$T/relay.log" || fail "relay did not replay"
pending=$("$B/pols-kiosk" --data "$T/mallory-via-relay" status | sed -n 's/.*batches to send: //p')
eq "a replayed old ACK deletes nothing" "$pending" 1
eq "and the server never saw that batch" "$(enschede_n)" "$before"
kill "$RPID"; wait "$RPID" 2>/dev/null || true
sqlite3 "$T/mallory-via-relay/db/kiosk.db" "UPDATE meta SET value = CAST('$URL' AS BLOB) WHERE key = 'server'"
check "the kept batch arrives once the relay is gone" "$B/pols-kiosk" --data "$T/mallory-via-relay" sync
eq "counted exactly once" "$(enschede_n)" $((before + 5))
honest_syncs "a replayed reply"

# A forged reply: a relay answers every SYNC with an ACK that names the
# exact request, nonce, batch ids and hashes, under the server's key id,
# signed with a key of its own. The terminal believes none of it.
RELAY="tcp://127.0.0.1:$(free_port)"
"$ATK" relay "$RELAY" "$URL" "$T/unused" forge-ack 2>>"$T/relay.log" & RPID=$!; PIDS+=("$RPID")
sleep 0.3
sqlite3 "$T/mallory-via-relay/db/kiosk.db" "UPDATE meta SET value = CAST('$RELAY' AS BLOB) WHERE key = 'server'"
answer5 mallory-via-relay bt-enschede 4
before=$(enschede_n)
set +e
out=$("$B/pols-kiosk" --data "$T/mallory-via-relay" sync 2>&1); rc=$?
set -e
kill "$RPID"; wait "$RPID" 2>/dev/null || true
grep -q "answered a sync with a forged ack" "$T/relay.log" || fail "the relay did not forge an ACK"
[ "$rc" -ne 0 ] || fail "the kiosk accepted a forged ACK: $out"
grep -q "reply is not signed by our server; ignored" <<<"$out" || fail "forged ACK not flagged: $out"
eq "a forged ACK settles nothing" "$(waiting mallory-via-relay)" 1
eq "and the server never saw that batch" "$(enschede_n)" "$before"
sqlite3 "$T/mallory-via-relay/db/kiosk.db" "UPDATE meta SET value = CAST('$URL' AS BLOB) WHERE key = 'server'"
check "the kept batch arrives once the forger is gone" "$B/pols-kiosk" --data "$T/mallory-via-relay" sync
eq "counted exactly once" "$(enschede_n)" $((before + 5))

# A revoked terminal: refused, told so (signed), stops collecting, keeps data.
"$B/polsctl" --data "$T/srv" terminal revoke gone >/dev/null

# A forged revocation: an insider holding the revoked terminal's keys asks
# the server about it with an honest terminal's nonce and passes the signed
# "revoked" on. The honest terminal must not believe it.
RELAY="tcp://127.0.0.1:$(free_port)"
"$ATK" relay "$RELAY" "$URL" "$T/unused" forge-revoked "$T/gone" 2>>"$T/relay.log" & RPID=$!; PIDS+=("$RPID")
sleep 0.3
cp -a "$T/honest" "$T/honest-via-relay"
sqlite3 "$T/honest-via-relay/db/kiosk.db" "UPDATE meta SET value = CAST('$RELAY' AS BLOB) WHERE key = 'server'"
printf 'sync_timeout = 1\nrequest_timeout_ms = 300\n' >"$T/honest-via-relay/kiosk.conf"
set +e
out=$("$B/pols-kiosk" --data "$T/honest-via-relay" sync 2>&1); rc=$?
set -e
kill "$RPID"; wait "$RPID" 2>/dev/null || true
grep -q "forged revocation" "$T/relay.log" || fail "the relay did not forge"
[ "$rc" -ne 3 ] || fail "a forged revocation was believed: $out"
grep -q "old or replayed" <<<"$out" || fail "forged revocation not flagged: $out"
answer honest-via-relay bt-hengelo 4 4 4 4 4 || fail "a forged revocation stopped the terminal"
echo "  ok: a forged revocation is ignored and the terminal keeps collecting"

answer5 gone bt-almelo 3
set +e
out=$("$B/pols-kiosk" --data "$T/gone" sync 2>&1); rc=$?
set -e
eq "a revoked terminal's sync exits 3" "$rc" 3
grep -q "ingetrokken" <<<"$out" || fail "revoked sync said: $out"
pending=$("$B/pols-kiosk" --data "$T/gone" status | sed -n 's/.*batches to send: //p')
eq "a revoked terminal keeps what it holds" "$pending" 1
set +e
answer gone bt-almelo 3 3 3 3 3 2>/dev/null; rc=$?
set -e
eq "a revoked terminal takes no new answers" "$rc" 3
grep -q "refused revoked from 'gone'" "$T/polsd.log" || fail "server log lacks the revocation"
before=$(almelo)
set +e
out=$("$ATK" batch "$T/gone" "$URL" bt-almelo - 3); rc=$?
set -e
eq "an insider with the revoked terminal's keys gets no challenge" "$rc:$out" "2:no challenge: revoked"
eq "so nothing of it applies" "$(almelo)" "$before"
honest_syncs "a revoked terminal"

eq "bt-hengelo counted every honest response once" \
	"$(sqlite3 "$T/srv/server.db" "SELECT SUM(n) FROM cells WHERE unit='bt-hengelo'")" "$HONEST_N"
grep -q "S202" "$T/polsd.log" || fail "refused batches were not logged"
s202=$(grep S202 "$T/polsd.log")
if grep -q '[{}]\|counts"' <<<"$s202"; then fail "a logged refusal carries counts: $s202"; fi
echo "  ok: refusals are logged (S202) with a reason and no counts"

stop_polsd
echo "  ok: polsd stopped cleanly"
