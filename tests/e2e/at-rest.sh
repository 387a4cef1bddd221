#!/usr/bin/env bash
# at-rest.sh - what a thief of the terminal's database, or of a copy of its
# folder, finds: with the sqlite3 shell, only ciphertext where answers live,
# no key material in either database, every file 0600 and every folder 0700
# (databases open, -wal and -shm included, under umask 022), the storage
# key outside the database's folder, loose or linked key files refused,
# a link planted where a key file or a database will be created refused
# rather than followed, and a database others may read refused. And what a
# thief of the whole device reads: a one-person cell in key-file mode,
# nothing in unlock mode.
. "$(dirname "$0")/lib.sh"
umask 022 # the programs must not rely on the umask they are given
: "${TB:?set POLS_TESTBIN}"

hexof() { od -An -tx1 -v "$1" | tr -d ' \n'; }

make_server
URL="tcp://127.0.0.1:$(free_port)"
enroll k bt-hengelo "$URL"
for i in 1 2 3 4 5 6 7; do answer k bt-hengelo 7 3 9 1 10; done
DB=$T/k/db/kiosk.db

eq "accumulator rows" "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM acc')" 1
sqlite3 "$DB" 'SELECT row, hex(box) FROM acc' >"$T/acc.txt"
# Words with non-hex letters, so random hex cannot contain them by chance.
for word in bt-hengelo team-thermometer veiligheid counts '"n":' 2027-F05; do
	hex=$(printf '%s' "$word" | od -An -tx1 -v | tr -d ' \n' | tr a-f A-F)
	grep -qi -- "$hex" "$T/acc.txt" && fail "accumulator shows '$word' in clear"
	grep -q -- "$word" "$T/acc.txt" && fail "accumulator row name shows '$word'"
done
echo "  ok: the accumulator holds only ciphertext (no team, form, item, count or period in clear)"
check "the accumulator's row name is a keyed hash, not the cell" \
	grep -Eq '^[0-9a-f]{64}\|' "$T/acc.txt"

# Cut into a batch (server unreachable): the batch is sealed to the server.
printf 'sync_timeout = 1\nrequest_timeout_ms = 200\n' >"$T/k/kiosk.conf"
"$B/pols-kiosk" --data "$T/k" sync 2>/dev/null && fail "sync without server succeeded"
eq "accumulator cut into one batch" "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM batches')" 1
eq "no open accumulator left" "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM acc')" 0
sqlite3 "$DB" 'SELECT hex(sealed) FROM batches' >"$T/batch.txt"
for word in bt-hengelo counts veiligheid; do
	hex=$(printf '%s' "$word" | od -An -tx1 -v | tr -d ' \n' | tr a-f A-F)
	grep -qi -- "$hex" "$T/batch.txt" && fail "batch shows '$word' in clear"
done
echo "  ok: the batch is sealed (no team, item or count in clear)"

# No key material inside either database (nor its WAL).
for key in "$T/k/keys/storage.key" "$T/k/keys/terminal.sk" "$T/k/keys/enroll.token" \
	"$T/srv/keys/sign.sk" "$T/srv/keys/box.sk"; do
	k=$(hexof "$key")
	for f in "$DB"* "$T/srv/server.db"*; do
		h=$(hexof "$f")
		grep -q "$k" <<<"$h" && fail "$(basename "$key") found inside $f"
	done
	# The secret half of the signing key (first 32 bytes of .sk) too.
	k32=${k:0:64}
	for f in "$DB"* "$T/srv/server.db"*; do
		h=$(hexof "$f")
		grep -q "$k32" <<<"$h" && fail "seed of $(basename "$key") found inside $f"
	done
done
echo "  ok: neither database holds key material"
# The scan itself can fail: a file that does contain the key is found.
cat "$DB" "$T/k/keys/storage.key" >"$T/planted"
grep -q "$(hexof "$T/k/keys/storage.key")" <<<"$(hexof "$T/planted")" ||
	fail "the key scan cannot find a planted key"
echo "  ok: the key scan finds a planted key"

for f in "$T/k/keys/storage.key" "$T/k/keys/terminal.sk" "$T/k/keys/enroll.token" \
	"$T/srv/keys/sign.sk" "$T/srv/keys/box.sk" "$DB" "$T/srv/server.db"; do
	eq "mode of $(basename "$f")" "$(stat -c %a "$f")" 600
done
# Every file and folder, with both databases open (their -wal and -shm
# exist only then): polsd running, and the terminal syncing to a server
# that is not there, which it retries for sync_timeout seconds.
loose() { # DIR...: what is not 0600 (files), 0644 (public keys) or 0700 (folders)
	find "$@" ! -name '*.conf' \( \( -type d ! -perm 700 \) -o \
		\( -type f -name '*.pk' ! -perm 644 \) -o \
		\( -type f ! -name '*.pk' ! -perm 600 \) \) -printf '%m %p\n'
}
printf 'sync_timeout = 3\nrequest_timeout_ms = 200\n' >"$T/k/kiosk.conf"
start_polsd "ipc://$T/s.sock"
"$B/pols-kiosk" --data "$T/k" sync 2>/dev/null & KPID=$!
for _ in $(seq 60); do [ -e "$DB-shm" ] && break; sleep 0.05; done
held=$(ls "$T/k/db" "$T/srv" | grep -c -- '-\(wal\|shm\)$' || true)
bad=$(loose "$T/k" "$T/srv")
mkdir "$T/held"
cp "$DB-wal" "$DB-shm" "$T/srv/server.db-wal" "$T/srv/server.db-shm" "$T/held/"
wait "$KPID" || true
stop_polsd
eq "-wal and -shm of both databases seen while open" "$held" 4
eq "files not 0600 (public keys 0644) and folders not 0700, on terminal and server" "$bad" ""
for key in "$T/k/keys/storage.key" "$T/k/keys/terminal.sk" "$T/srv/keys/sign.sk" "$T/srv/keys/box.sk"; do
	k=$(hexof "$key")
	for f in "$T/held/"*; do
		h=$(hexof "$f")
		grep -q "${k:0:64}" <<<"$h" && fail "$(basename "$key") found inside the open $(basename "$f")"
	done
done
echo "  ok: nor do their -wal and -shm while open"
eq "the database folder holds only the database" "$(ls "$T/k/db" | grep -v '^kiosk.db' | wc -l)" 0
check "the storage key is not in the database's folder" test ! -e "$T/k/db/storage.key"

# Keys next to the database are refused at enrollment.
"$B/polsctl" --data "$T/srv" terminal add samefolder --teams bt-hengelo --out "$T/same.bundle" >/dev/null
set +e
out=$("$B/pols-kiosk" --data "$T/same" --keys "$T/same/db" enroll "$T/same.bundle" 2>&1); rc=$?
set -e
eq "keys in the database's folder are refused" "$rc" 1
grep -q "must not be the database's folder" <<<"$out" || fail "said: $out"

# A link planted where enrollment will create a key file or the database
# is refused, not followed: its target stays as it was, and the refused
# enrollment removes only what it made itself.
echo "not a key" >"$T/victim"
"$B/polsctl" --data "$T/srv" terminal add linked --teams bt-hengelo --out "$T/linked.bundle" >/dev/null
enroll_refused() { # description, words said, KDIR [--keys DIR]
	local d=$1 w=$2 out rc; shift 2
	set +e; out=$("$B/pols-kiosk" --data "$@" enroll "$T/linked.bundle" 2>&1); rc=$?; set -e
	eq "$d" "$rc" 1
	grep -qF -- "$w" <<<"$out" || fail "$d: said '$out'"
}
mkdir -p "$T/l1/keys"
ln -s "$T/victim" "$T/l1/keys/storage.key"
enroll_refused "a link in place of storage.key is refused" "already exists" "$T/l1"
eq "its target is untouched" "$(cat "$T/victim")" "not a key"
eq "the link stays; the key made before it is removed" \
	"$(find "$T/l1/keys" -mindepth 1 -printf '%y %f\n')" "l storage.key"
mkdir -p "$T/l2/keys"
ln -s "$T/nowhere" "$T/l2/keys/enroll.token"
enroll_refused "a dangling link in place of enroll.token is refused" "already exists" "$T/l2"
check "nothing is created where it points" test ! -e "$T/nowhere"
mkdir -p "$T/l3/db"
ln -s "$T/nowhere" "$T/l3/db/kiosk.db"
enroll_refused "a link in place of the database is refused" "refusing to overwrite" "$T/l3"
mkdir -p "$T/l4/db"
ln -s "$T/nowhere" "$T/l4/db/kiosk.db-wal"
enroll_refused "a link in place of the database's WAL is refused" "unable to open database file" "$T/l4"
check "nothing is created where it points" test ! -e "$T/nowhere"
eq "no half-enrolled terminal is left" "$(find "$T/l4" -type f | wc -l)" 0
was=$(cat "$T/k/keys/"* | od -An -tx1 | tr -d ' \n')
enroll_refused "enrolling into another terminal's key folder is refused" "already exists" \
	"$T/l5" --keys "$T/k/keys"
eq "and leaves that terminal's keys as they were" "$(cat "$T/k/keys/"* | od -An -tx1 | tr -d ' \n')" "$was"
eq "the terminal still opens with them" "$("$B/pols-kiosk" --data "$T/k" status --json | jq -r .terminal)" k

# The server keeps merged cells only: no per-batch or per-terminal content.
# (accounts, audit: report readers; late, snapshots, snapshot_units: what
# was published, docs/indicators.md.)
eq "server tables" "$(sqlite3 "$T/srv/server.db" "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type='table' ORDER BY name)")" \
	"accounts,applied,audit,cells,forms,late,meta,org,snapshot_units,snapshots,terminals,waves"
eq "a snapshot keeps per-team respondent counts, a day and the period's end, no times" \
	"$(sqlite3 "$T/srv/server.db" "SELECT group_concat(name, ',') FROM pragma_table_info('snapshots')")" "form,period,seq,day,closes,basis"
eq "a cell keeps the unit, form, period and merged counts, no time or terminal" \
	"$(sqlite3 "$T/srv/server.db" "SELECT group_concat(name, ',') FROM pragma_table_info('cells')")" "unit,form,version,period,n,agg"
eq "applied keeps a batch key and a hash only" "$(sqlite3 "$T/srv/server.db" "SELECT group_concat(name, ',') FROM pragma_table_info('applied')")" "batch_id,hash"

# A key file readable by others, or a symlink in its place, is refused.
chmod 644 "$T/k/keys/storage.key"
set +e
out=$(echo '{}' | "$B/pols-kiosk" --data "$T/k" answer 2>&1); rc=$?
set -e
eq "a world-readable storage key is refused" "$rc" 1
grep -q "readable by others" <<<"$out" || fail "said: $out"
chmod 600 "$T/k/keys/storage.key"
mv "$T/k/keys/storage.key" "$T/storage.key"
ln -s "$T/storage.key" "$T/k/keys/storage.key"
set +e
out=$(echo '{}' | "$B/pols-kiosk" --data "$T/k" answer 2>&1); rc=$?
set -e
eq "a symlinked storage key is refused" "$rc" 1
grep -q "cannot open" <<<"$out" || fail "said: $out"
rm "$T/k/keys/storage.key"; mv "$T/storage.key" "$T/k/keys/storage.key"
# A database readable by others (say, restored with the wrong mode) is
# refused like a key file, on the terminal and on the server.
for db in "$DB" "$T/srv/server.db"; do
	chmod 640 "$db"
	case $db in
	"$DB") set +e; out=$("$B/pols-kiosk" --data "$T/k" status 2>&1); rc=$?; set -e ;;
	*) set +e; out=$("$B/polsctl" --data "$T/srv" terminal list 2>&1); rc=$?; set -e ;;
	esac
	eq "$(basename "$db") readable by the group is refused" "$rc" 1
	grep -qF "is readable by others (mode 640); chmod 600 it" <<<"$out" || fail "said: $out"
	chmod 600 "$db"
done

# Another terminal's storage key cannot open this database's accumulators.
answer k bt-hengelo 1 1 1 1 1
enroll other bt-hengelo "$URL"
cp "$T/other/keys/storage.key" "$T/k/keys/storage.key"
set +e
out=$(printf '{"form":"team-thermometer","team":"bt-hengelo","answers":{"veiligheid":1,"sfeer":1,"werkdruk":1,"samenwerking":1,"jezelf-zijn":1}}' |
	"$B/pols-kiosk" --data "$T/k" answer 2>&1); rc=$?
set -e
eq "a wrong storage key opens nothing" "$rc" 1
grep -q "does not open" <<<"$out" || fail "said: $out"

# Bad input: one line, exit 2, nothing stored.
before=$(sqlite3 "$T/other/db/kiosk.db" 'SELECT COUNT(*) FROM acc')
for bad in '{"form":"team-thermometer","team":"bt-hengelo","answers":{"veiligheid":97,"sfeer":1,"werkdruk":1,"samenwerking":1,"jezelf-zijn":1}}' \
	'{"form":"team-thermometer","team":"bt-hengelo","answers":{"nope":1}}' \
	'{"form":"team-thermometer","team":"bt-hengelo","answers":{"veiligheid":1}}' \
	'{"form":"team-thermometer","team":"bt-almelo","answers":{"veiligheid":1,"sfeer":1,"werkdruk":1,"samenwerking":1,"jezelf-zijn":1}}' \
	'{"form":"sentimeter","team":"bt-hengelo","answers":{}}' \
	'not json'; do
	set +e
	out=$(printf '%s' "$bad" | "$B/pols-kiosk" --data "$T/other" answer 2>&1); rc=$?
	set -e
	[ "$rc" -eq 2 ] || fail "bad answer exit $rc: $bad"
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "not one line: $out"
	! grep -q 97 <<<"$out" || fail "the message repeats the answer: $out"
	echo "  ok: refused with exit 2: $out"
done
eq "nothing stored from bad input" "$(sqlite3 "$T/other/db/kiosk.db" 'SELECT COUNT(*) FROM acc')" "$before"

# The server: a link planted in place of a key file at init, or of
# server.db's WAL, is refused; nothing is written where it points.
mkdir -p "$T/s2/keys"
ln -s "$T/victim" "$T/s2/keys/box.sk"
set +e; out=$("$B/polsctl" --data "$T/s2" init 2>&1); rc=$?; set -e
eq "polsctl init with a link in place of keys/box.sk is refused" "$rc" 1
grep -qF "already exists" <<<"$out" || fail "said: $out"
eq "its target is untouched" "$(cat "$T/victim")" "not a key"
ln -s "$T/nowhere" "$T/srv/server.db-wal"
set +e; out=$("$B/polsctl" --data "$T/srv" terminal list 2>&1); rc=$?; set -e
eq "a link in place of server.db-wal is refused" "$rc" 1
grep -qF "unable to open database file" <<<"$out" || fail "said: $out"
check "nothing is created where it points" test ! -e "$T/nowhere"
rm "$T/srv/server.db-wal"

# A thief of the whole device (database and key folder, key-file mode)
# reads the open accumulators: a cell only one person answered is that
# person's response, with team and period. Accepted in key-file mode
# (docs/threat-model.md); unlock mode, taken switched off, reads nothing.
enroll dev bt-hengelo "$URL"
answer dev bt-hengelo 7 3 9 1 10
out=$("$TB/polsattack" readacc "$T/dev") || fail "the thief read nothing: $out"
eq "with the key folder, a one-person cell reads as that person's answers" \
	"$(jq -c '[.team, .period, .agg.n, [.agg.items[].counts | to_entries[] | select(.value > 0) | .key]]' <<<"$out")" \
	'["bt-hengelo","2027-F05",1,["7","3","9","1","10"]]'
printf 'correct horse battery staple\n' >"$T/pass"
"$B/pols-kiosk" --data "$T/dev" lock --passphrase-file "$T/pass" >/dev/null
set +e; out=$("$TB/polsattack" readacc "$T/dev"); rc=$?; set -e
eq "in unlock mode, without the passphrase, the same thief opens nothing" "$rc" 2
grep -qF "cannot open the terminal" <<<"$out" || fail "said: $out"
if grep -q '"agg"' <<<"$out"; then fail "unlock mode showed an accumulator: $out"; fi
