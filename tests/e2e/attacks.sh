#!/usr/bin/env bash
# attacks.sh - hostile messages are refused while an honest terminal syncs:
# an enrollment hijack with a captured first HELLO, a second holder of a
# used bundle, a tampered message, a replayed request, a replayed old reply,
# a batch with inconsistent counts, a batch for a team the terminal does not
# serve, an unknown protocol version, a forged revocation, and a revoked
# terminal.
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

check "a tampered SYNC is refused (bad_signature)" "$ATK" tamper "$T/mallory" "$URL"
honest_syncs "tampering"
check "a replayed SYNC is refused (stale_challenge)" "$ATK" replay "$T/mallory" "$URL"
honest_syncs "a replayed request"
before=$(enschede_n)
check "a batch with inconsistent counts is refused" "$ATK" badcounts "$T/mallory" "$URL" bt-enschede
eq "the refused batch changed no cell" "$(enschede_n)" "$before"
honest_syncs "a lying batch"
check "a batch for a team not served is refused" "$ATK" wrongteam "$T/mallory" "$URL" bt-hengelo
honest_syncs "a batch for another team"
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
honest_syncs "a revoked terminal"

eq "bt-hengelo counted every honest response once" \
	"$(sqlite3 "$T/srv/server.db" "SELECT SUM(n) FROM cells WHERE unit='bt-hengelo'")" "$HONEST_N"
grep -q "S202" "$T/polsd.log" || fail "refused batches were not logged"

stop_polsd
echo "  ok: polsd stopped cleanly"
