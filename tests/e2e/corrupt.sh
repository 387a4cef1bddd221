#!/usr/bin/env bash
# corrupt.sh - a damaged or truncated database, on a terminal and on the
# server: found at start (store_open runs quick_check and refuses a file
# without tables), one clear line, exit 1, no crash, the file left as it
# was. Then the recovery of docs/recovery.md: the server from its backup;
# the terminal enrolled again, its sent batches safe, only what it had not
# sent lost.
. "$(dirname "$0")/lib.sh"
S=$T/srv
make_server
URL="ipc://$T/s.sock"
enroll t1 bt-hengelo "$URL"
start_polsd "$URL"
for _ in 1 2 3 4 5; do answer t1 bt-hengelo 7 7 7 7 7; done
check "a first sync" "$B/pols-kiosk" --data "$T/t1" sync
for _ in 1 2 3; do answer t1 bt-hengelo 2 2 2 2 2; done # open, not sent
stop_polsd
cp -a "$T/t1" "$T/t1.good"
cp -a "$S" "$T/backup" # the server's backup

# refused WHAT OUT: exit 1, one line, says the file is damaged or empty.
refused() {
	local what=$1 out=$2 rc=$3
	[ "$rc" -eq 1 ] || fail "$what: exit $rc (want 1): $out"
	[ "$(wc -l <<<"$out")" -eq 1 ] || fail "$what: more than one line: $out"
	grep -qE "is damaged|is empty|not a usable database" <<<"$out" || fail "$what: unclear: $out"
	grep -qiE "sanitizer|runtime error" <<<"$out" && fail "$what: $out"
	return 0
}
damage() { # KIND FILE
	case $1 in
	truncated) truncate -s $(($(stat -c %s "$2") / 2)) "$2" ;;
	empty) truncate -s 0 "$2" ;;
	header) dd if=/dev/zero of="$2" bs=100 count=1 conv=notrunc status=none ;;
	page2) head -c 4096 /dev/zero | tr '\0' '\377' | dd of="$2" bs=4096 seek=1 conv=notrunc status=none ;;
	pages) dd if=/dev/zero of="$2" bs=4096 seek=2 count=2 conv=notrunc status=none ;;
	esac
}
KINDS="truncated empty header page2 pages"
n=0
for kind in $KINDS; do
	rm -rf "$T/t1"
	cp -a "$T/t1.good" "$T/t1"
	damage "$kind" "$T/t1/db/kiosk.db"
	sum=$(cksum <"$T/t1/db/kiosk.db")
	for cmd in status sync answer; do
		rc=0
		out=$(printf '{"form":"team-thermometer","team":"bt-hengelo","answers":{"veiligheid":1,"sfeer":1,"werkdruk":1,"samenwerking":1,"jezelf-zijn":1}}' |
			"$B/pols-kiosk" --data "$T/t1" "$cmd" 2>&1) || rc=$?
		refused "terminal, $kind database, $cmd" "$out" "$rc"
		n=$((n + 1))
	done
	eq "terminal, $kind database: refused at start, file untouched ($out)" "$(cksum <"$T/t1/db/kiosk.db")" "$sum"
done

for kind in $KINDS; do
	rm -rf "$S"
	cp -a "$T/backup" "$S"
	damage "$kind" "$S/server.db"
	sum=$(cksum <"$S/server.db")
	rc=0
	out=$("$B/polsd" --data "$S" --listen "$URL" 2>&1) || rc=$?
	refused "server, $kind database, polsd" "$out" "$rc"
	rc=0
	out=$("$B/polsctl" --data "$S" terminal list 2>&1) || rc=$?
	refused "server, $kind database, polsctl terminal list" "$out" "$rc"
	n=$((n + 2))
	eq "server, $kind database: polsd and polsctl refuse to start, file untouched ($out)" "$(cksum <"$S/server.db")" "$sum"
done
echo "  ok: $n starts on a damaged database, each one clear line, no crash"

# Recovery, server: restore the backup.
rm -rf "$S"
cp -a "$T/backup" "$S"
start_polsd "$URL"
eq "the restored server has the first five" "$(report_json bt-hengelo | jq .n)" 5

# Recovery, terminal: a new bundle, a new folder. What the damaged
# terminal had sent is on the server; its three open answers are lost.
rm -rf "$T/t1"
"$B/polsctl" --data "$S" terminal add t1b --teams bt-hengelo --server "$URL" --out "$T/t1b.bundle" >/dev/null
"$B/pols-kiosk" --data "$T/t1b" enroll "$T/t1b.bundle" >/dev/null || fail "enroll again"
echo "  ok: the terminal is enrolled again under a new name"
for _ in 1 2 3 4 5; do answer t1b bt-hengelo 4 4 4 4 4; done
check "and syncs" "$B/pols-kiosk" --data "$T/t1b" sync
eq "the server has the old terminal's sent five and the new five" "$(report_json bt-hengelo | jq .n)" 10
stop_polsd
