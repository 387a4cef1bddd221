#!/usr/bin/env bash
# rotate.sh - the server's keys are rotated without enrolling terminals
# again (docs/protocol.md, "Server key rotation"). Real polsd, real
# terminals: a terminal follows the signed statements from the key it
# trusts to the current one, batches sealed to a retired box key still
# apply exactly once, a terminal offline for two rotations walks both, and
# a statement tampered with in the server's database is refused while the
# terminal keeps its key and its data, and a link planted where a retired
# key will go is refused.
. "$(dirname "$0")/lib.sh"
S=$T/srv
make_server
URL="ipc://$T/s.sock"
enroll t1 bt-hengelo "$URL"
enroll t2 bt-almelo "$URL"
# A bundle made now (generation 1), used only after two rotations.
"$B/polsctl" --data "$S" terminal add t3 --teams bt-enschede --server "$URL" \
	--out "$T/t3.bundle" >/dev/null
printf 'sync_timeout = 2\n' >"$T/t1/kiosk.conf"

five() { # TERMINAL TEAM VALUE: five responses, every item VALUE
	local _
	for _ in 1 2 3 4 5; do answer "$1" "$2" "$3" "$3" "$3" "$3" "$3"; done
}
n_of() { sqlite3 "$S/server.db" "SELECT COALESCE(SUM(n), 0) FROM cells WHERE unit = '$1'"; }
count_of() { # TEAM VALUE: responses with VALUE for "veiligheid"
	report_json "$1" | jq -r --arg v "$2" '.items[] | select(.id == "veiligheid") | .counts[$v] // 0'
}
trusts() { # TERMINAL: the server signing key it trusts (hex)
	sqlite3 "$T/$1/db/kiosk.db" "SELECT lower(hex(value)) FROM meta WHERE key = 'server_sign_pk'"
}
gen_of() { sqlite3 "$T/$1/db/kiosk.db" "SELECT CAST(value AS TEXT) FROM meta WHERE key = 'server_key_seq'"; }
pending() { sqlite3 "$T/$1/db/kiosk.db" "SELECT COUNT(*) FROM batches WHERE acked IS NULL"; }
form_kids() { sqlite3 "$T/$1/db/kiosk.db" "SELECT group_concat(DISTINCT json_extract(signed, '$.kid')) FROM forms"; }
hexfile() { od -An -tx1 -v "$1" | tr -d ' \n'; }
keys_list() { "$B/polsctl" --data "$S" keys list; }
current_kid() { awk -F'\t' '$3 ~ /current/ { print $2 }' <<<"$(keys_list)"; }
on_gen() { # GEN: active terminals that last named generation GEN
	awk -F'\t' -v g="$1" '$1 == g { print $4 + 0 }' <<<"$(keys_list)"
}
sync_rc() { # TERMINAL: run a sync, echo its exit code; said: what it said
	local rc=0
	"$B/pols-kiosk" --data "$T/$1" sync >"$T/sync.out" 2>&1 || rc=$?
	echo "$rc"
}
said() { cat "$T/sync.out"; }

start_polsd "$URL"
five t1 bt-hengelo 7
five t2 bt-almelo 2
check "t1 syncs" "$B/pols-kiosk" --data "$T/t1" sync
check "t2 syncs" "$B/pols-kiosk" --data "$T/t2" sync
eq "hengelo holds 5" "$(n_of bt-hengelo)" 5
pk1=$(hexfile "$S/keys/sign.pk")
sk1=$(hexfile "$S/keys/sign.sk")
bk1=$(hexfile "$S/keys/box.sk")
kid1=$(current_kid)
eq "one generation, current" "$(keys_list | wc -l)" 1
eq "t1 trusts the key of its bundle" "$(trusts t1)" "$pk1"
eq "t1 is on generation 1" "$(gen_of t1)" 1

# A batch cut before the rotation, sent after it: the server is down.
stop_polsd
five t1 bt-hengelo 8
eq "a sync without a server fails" "$(sync_rc t1)" 1
eq "and keeps the batch it cut (sealed to box key 1)" "$(pending t1)" 1
# t2 answers and stays offline for two rotations.
five t2 bt-almelo 6
cp "$S/server.db" "$T/server.db.before" # a backup of the database only

echo "== rotation 1 (polsd running)"
start_polsd "$URL"
out=$("$B/polsctl" --data "$S" keys rotate) || fail "keys rotate: $out"
grep -q "generation 2 (key id [0-9a-f]\{16\}) is current" <<<"$out" || fail "said: $out"
grep -q "1 form(s) signed again" <<<"$out" || fail "said: $out"
kid2=$(current_kid)
pk2=$(hexfile "$S/keys/sign.pk")
[ "$kid2" != "$kid1" ] || fail "the key id did not change"
[ "$pk2" != "$pk1" ] || fail "sign.pk did not change"
eq "generation 1 is retired" "$(awk -F'\t' '$1 == 1 { print $2 " " $3 }' <<<"$(keys_list)")" \
	"$kid1 uitgefaseerd/retired"
eq "keys/sign.sk.1 is the old signing key" "$(hexfile "$S/keys/sign.sk.1")" "$sk1"
eq "keys/box.sk.1 is the old box key" "$(hexfile "$S/keys/box.sk.1")" "$bk1"
[ "$(hexfile "$S/keys/sign.sk")" != "$sk1" ] || fail "sign.sk was not replaced"
[ "$(hexfile "$S/keys/box.sk")" != "$bk1" ] || fail "box.sk was not replaced"
eq "every stored form is signed with the new key" \
	"$(sqlite3 "$S/server.db" "SELECT group_concat(DISTINCT lower(hex(kid))) FROM forms")" "$kid2"
eq "the statement is stored" \
	"$(sqlite3 "$S/server.db" "SELECT json_extract(json_extract(value, '$.statement'), '$.seq') FROM meta WHERE key = 'rotation:2'")" 2

echo "== t1 follows"
eq "t1 syncs after the rotation" "$(sync_rc t1)" 0
grep -q "K103.*generation 1 -> 2 (key id $kid2)" <<<"$(said)" || fail "no switch said: $(said)"
eq "t1 trusts the new key" "$(trusts t1)" "$pk2"
eq "t1 is on generation 2" "$(gen_of t1)" 2
eq "t1 holds the forms signed by the new key" "$(form_kids t1)" "$kid2"
eq "the batch cut before the rotation applied" "$(n_of bt-hengelo)" 10
eq "... once: the 8s" "$(count_of bt-hengelo 8)" 5
eq "the server knows t1 is on generation 2" "$(on_gen 2)" 1
eq "a sync that has nothing to follow" "$(sync_rc t1)" 0
grep -q K103 <<<"$(said)" && fail "switched again: $(said)"
eq "t1 stays on generation 2" "$(gen_of t1)" 2

# New batches are sealed to the new box key: they apply with the retired
# box key out of the server's reach.
five t1 bt-hengelo 7
stop_polsd
mv "$S/keys/box.sk.1" "$T/box.sk.1.aside"
start_polsd "$URL"
eq "list says a retired secret key is gone" "$(awk -F'\t' '$1 == 1 { print $3 }' <<<"$(keys_list)")" \
	"uitgefaseerd/retired, a secret key deleted"
eq "t1's new batch applies without box key 1" "$(sync_rc t1)" 0
eq "hengelo holds 15" "$(n_of bt-hengelo)" 15
stop_polsd
mv "$T/box.sk.1.aside" "$S/keys/box.sk.1"
start_polsd "$URL"

echo "== rotation 2 while t2 is still offline"
out=$("$B/polsctl" --data "$S" keys rotate) || fail "second rotate: $out"
kid3=$(current_kid)
pk3=$(hexfile "$S/keys/sign.pk")
eq "three generations" "$(keys_list | wc -l)" 3
eq "t1 follows one step" "$(sync_rc t1)" 0
grep -q "generation 2 -> 3" <<<"$(said)" || fail "said: $(said)"
eq "t1 trusts generation 3" "$(trusts t1)" "$pk3"

eq "t2 comes back and syncs" "$(sync_rc t2)" 0
grep -q "K103.*generation 1 -> 3 (key id $kid3)" <<<"$(said)" || fail "t2 did not walk two steps: $(said)"
eq "t2 trusts the current key" "$(trusts t2)" "$pk3"
eq "t2 holds the forms signed by the current key" "$(form_kids t2)" "$kid3"
eq "t2's batch sealed to box key 1 applied" "$(n_of bt-almelo)" 10
eq "... once: the 6s" "$(count_of bt-almelo 6)" 5
five t2 bt-almelo 4
eq "t2 answers and syncs with the new keys" "$(sync_rc t2)" 0
eq "almelo holds 15" "$(n_of bt-almelo)" 15
eq "both terminals on generation 3" "$(on_gen 3)" 2
eq "none on generation 1" "$(on_gen 1)" 0

echo "== a bundle of generation 1 enrolls after two rotations"
"$B/pols-kiosk" --data "$T/t3" enroll "$T/t3.bundle" >/dev/null
eq "t3 starts on generation 1" "$(gen_of t3)" 1
five t3 bt-enschede 5
eq "t3's first sync (token sealed to box key 1)" "$(sync_rc t3)" 0
grep -q "generation 1 -> 3" <<<"$(said)" || fail "t3 did not follow: $(said)"
eq "t3 trusts the current key" "$(trusts t3)" "$pk3"
eq "enschede holds 5" "$(n_of bt-enschede)" 5

echo "== a tampered statement is refused"
out=$("$B/polsctl" --data "$S" keys rotate) || fail "third rotate: $out"
kid4=$(current_kid)
pk4=$(hexfile "$S/keys/sign.pk")
good=$(sqlite3 "$S/server.db" "SELECT CAST(value AS TEXT) FROM meta WHERE key = 'rotation:4'")
# One character of the new box key changed: batches would go to a key
# the attacker holds.
bad=$(jq -c '.statement |= (fromjson | .box_pk |= ((if startswith("A") then "B" else "A" end) + .[1:]) | tojson)' <<<"$good")
[ "$bad" != "$good" ] || fail "the statement did not change"
sqlite3 "$S/server.db" "UPDATE meta SET value = CAST('$bad' AS BLOB) WHERE key = 'rotation:4'"
five t1 bt-hengelo 9
eq "t1's sync stops with exit 5" "$(sync_rc t1)" 5
grep -q "rotation_refused" <<<"$(said)" || fail "no code: $(said)"
grep -q "signature does not verify" <<<"$(said)" || fail "no reason: $(said)"
grep -q "keeps server key generation 3 (key id $kid3)" <<<"$(said)" || fail "said: $(said)"
eq "t1 keeps its key" "$(trusts t1)" "$pk3"
eq "t1 stays on generation 3" "$(gen_of t1)" 3
eq "t1 keeps the batch it cut" "$(pending t1)" 1
eq "nothing of it reached the cells" "$(n_of bt-hengelo)" 15
eq "t1 keeps its forms" "$(form_kids t1)" "$kid3"
five t1 bt-hengelo 9
check "t1 still takes answers (forms verify with its key)" "$B/pols-kiosk" --data "$T/t1" status

# The signature flipped instead.
bad=$(jq -c '.sig |= ((if startswith("A") then "B" else "A" end) + .[1:])' <<<"$good")
sqlite3 "$S/server.db" "UPDATE meta SET value = CAST('$bad' AS BLOB) WHERE key = 'rotation:4'"
eq "a flipped signature: exit 5 again" "$(sync_rc t1)" 5
grep -q "rotation_refused.*statement 1 of 1: statement signature does not verify" <<<"$(said)" ||
	fail "said: $(said)"
eq "t1 still keeps its key" "$(trusts t1)" "$pk3"

# The statement repaired: t1 follows and sends what it kept, once.
sqlite3 "$S/server.db" "UPDATE meta SET value = CAST('$good' AS BLOB) WHERE key = 'rotation:4'"
eq "with the real statement t1 follows" "$(sync_rc t1)" 0
grep -q "generation 3 -> 4 (key id $kid4)" <<<"$(said)" || fail "said: $(said)"
eq "t1 trusts generation 4" "$(trusts t1)" "$pk4"
eq "t1 has nothing pending" "$(pending t1)" 0
eq "t2 follows too" "$(sync_rc t2)" 0
eq "t3 follows too" "$(sync_rc t3)" 0

echo "== totals"
eq "hengelo: 25" "$(n_of bt-hengelo)" 25
eq "hengelo 7s" "$(count_of bt-hengelo 7)" 10
eq "hengelo 8s" "$(count_of bt-hengelo 8)" 5
eq "hengelo 9s" "$(count_of bt-hengelo 9)" 10
eq "almelo: 15" "$(n_of bt-almelo)" 15
eq "almelo 2s, 6s, 4s" "$(count_of bt-almelo 2) $(count_of bt-almelo 6) $(count_of bt-almelo 4)" "5 5 5"
eq "enschede: 5" "$(n_of bt-enschede)" 5
eq "district twente: 45" "$(n_of twente)" 45
for t in t1 t2 t3; do
	eq "another sync of $t changes nothing" "$(sync_rc $t)" 0
done
eq "still 45" "$(n_of twente)" 45
stop_polsd

echo "== key files"
for f in sign.sk box.sk sign.sk.1 box.sk.1 sign.sk.2 box.sk.2 sign.sk.3 box.sk.3; do
	eq "keys/$f is 0600" "$(stat -c %a "$S/keys/$f")" 600
done
eq "no leftovers of the rotations" "$(find "$S/keys" -name '*.new' -printf x)" ""
eq "four generations listed" "$(keys_list | cut -f1 | tr '\n' ' ')" "1 2 3 4 "

set +e
out=$("$B/polsctl" --data "$S" keys 2>&1); rc=$?
set -e
eq "keys without a command is a usage error" "$rc" 2
chmod 644 "$S/keys/box.sk.2"
set +e
out=$("$B/polsctl" --data "$S" keys list 2>&1); rc=$?
set -e
eq "a retired secret key readable by others is refused" "$rc" 1
grep -q "box.sk.2' is readable by others" <<<"$out" || fail "said: $out"
chmod 600 "$S/keys/box.sk.2"

# keys/ from one backup, server.db from another: refused, not guessed.
cp -p "$S/keys/sign.sk" "$T/sign.sk.4"
cp -p "$S/keys/sign.sk.3" "$S/keys/sign.sk"
set +e
out=$(timeout 10 "$B/polsd" --data "$S" --listen "$URL" 2>&1); rc=$?
set -e
eq "polsd refuses keys that do not match server.db" "$rc" 1
grep -q "is not the key of generation 4.*restored from different backups" <<<"$out" ||
	fail "said: $out"

# The other way round: server.db from before the rotations, keys/ now.
mv "$S/server.db" "$T/server.db.now"
cp "$T/server.db.before" "$S/server.db"
set +e
out=$("$B/polsctl" --data "$S" keys list 2>&1); rc=$?
set -e
eq "keys newer than server.db are refused" "$rc" 1
grep -q "retired generation 1, but server.db names none after it" <<<"$out" ||
	fail "said: $out"
mv "$T/server.db.now" "$S/server.db"

# A rotation stopped after its commit, before the key files moved: the
# next start finishes it.
mv "$T/sign.sk.4" "$S/keys/sign.sk.new"
out=$("$B/polsctl" --data "$S" keys list 2>&1) || fail "keys list: $out"
grep -q "S105: finished the rotation to key generation 4" <<<"$out" || fail "said: $out"
eq "sign.sk is generation 4 again" "$(awk -F'\t' '$3 ~ /current/ { print $1 " " $2 }' <<<"$out")" "4 $kid4"
[ ! -e "$S/keys/sign.sk.new" ] || fail "sign.sk.new is left"
eq "sign.sk is 0600" "$(stat -c %a "$S/keys/sign.sk")" 600

# A rotation stopped before its commit: the retired copies are written,
# a new key lies in sign.sk.new; server.db has no statement for it.
cp -p "$S/keys/sign.sk" "$S/keys/sign.sk.4"
cp -p "$S/keys/box.sk" "$S/keys/box.sk.4"
head -c 64 /dev/urandom >"$S/keys/sign.sk.new"
chmod 600 "$S/keys/sign.sk.new"
eq "it changes nothing" "$(current_kid)" "$kid4"
start_polsd "$URL"
eq "the terminals still sync" "$(sync_rc t1)" 0
out=$("$B/polsctl" --data "$S" keys rotate) || fail "rotate after a stopped one: $out"
grep -q "generation 5 (key id [0-9a-f]\{16\}) is current" <<<"$out" || fail "said: $out"
[ ! -e "$S/keys/sign.sk.new" ] || fail "sign.sk.new is left"
for t in t1 t2 t3; do
	eq "$t follows to generation 5" "$(sync_rc $t)" 0
	eq "$t is on generation 5" "$(gen_of $t)" 5
done
eq "all three on generation 5" "$(on_gen 5)" 3
eq "still 45, nothing lost or doubled" "$(n_of twente)" 45
stop_polsd

echo "== a link planted where a rotation puts a retired key"
echo "not a key" >"$T/victim"
ln -s "$T/victim" "$S/keys/box.sk.5"
set +e
out=$("$B/polsctl" --data "$S" keys rotate 2>&1); rc=$?
set -e
eq "a rotation that would write box.sk.5 through a link is refused" "$rc" 1
grep -qF "keys/box.sk.5" <<<"$out" || fail "said: $out"
eq "the link's target is untouched" "$(cat "$T/victim")" "not a key"
eq "generation 5 stays current" "$(awk -F'\t' '$3 ~ /current/ { print $1 }' <<<"$(keys_list)")" 5
rm "$S/keys/box.sk.5"
out=$("$B/polsctl" --data "$S" keys rotate) || fail "rotate without the link: $out"
eq "without it the rotation goes through" "$(awk -F'\t' '$3 ~ /current/ { print $1 }' <<<"$(keys_list)")" 6
eq "box.sk.5 is a 0600 key file" "$(stat -c '%F %a' "$S/keys/box.sk.5")" "regular file 600"
